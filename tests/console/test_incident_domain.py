"""The incident decisions, table-driven, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.commands import Actor, Context
from console.errors import DomainError, NotFound
from console.incidents.commands import (
    AddNote,
    AmendFacts,
    CloseIncident,
    Confidential,
    Outcome,
    RegisterIncident,
)
from console.incidents.decide import (
    IncidentState,
    NoteTarget,
    Numbering,
    decide_amend,
    decide_close,
    decide_note,
    decide_register,
    incident_number,
    local_year,
)
from console.incidents.events import (
    AboutCommissionHeadMarked,
    IncidentClosed,
    IncidentFactsAmended,
    IncidentRegistered,
    IncidentStatus,
)
from console.incidents.recusal import VISIBILITY_RECUSAL
from console.settings import Settings
from playbooks.facts import IncidentType

NOW = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # already 2027-01-01 01:00 in Shanghai
CTX = Context(
    now=NOW,
    occurred_at=NOW,
    actor=Actor("u", "王值班", frozenset({"duty_officer"})),
    new_id="id1",
    settings=Settings(
        data_dir=Path("var"), database_url="sqlite://", secret_key="k", timezone="Asia/Shanghai"
    ),
)
OPEN = IncidentState("i1", IncidentStatus.OPEN, "sit_in", "机关大门", 60, "静坐", "walk_in")
CLOSED = IncidentState("i1", IncidentStatus.CLOSED, "sit_in", "机关大门", 60, "静坐", "walk_in")
MARKED = IncidentState("i1", IncidentStatus.OPEN, "sit_in", "机关大门", 60, "静坐", "walk_in", True)


def test_numbers_are_per_year_in_the_local_time_zone() -> None:
    assert local_year(NOW, CTX) == 2027
    assert incident_number("XF", 2027, 7) == "XF-2027-0007"
    decision = decide_register(
        Numbering(2027, 7), RegisterIncident(type=IncidentType.SIT_IN, place="机关大门", head_count=60), CTX
    )
    event = decision.events[0].payload
    assert isinstance(event, IncidentRegistered)
    assert event.number == "XF-2027-0007" and decision.result["number"] == "XF-2027-0007"
    assert decision.events[0].stream == "incident-id1"


def test_register_refuses_a_start_in_the_future() -> None:
    with pytest.raises(DomainError) as err:
        decide_register(
            Numbering(2027, 1),
            RegisterIncident(
                type=IncidentType.OTHER, place="x", head_count=1, started_at=NOW + timedelta(hours=1)
            ),
            CTX,
        )
    assert err.value.code == "occurred_in_future"


@pytest.mark.parametrize(
    ("state", "decide", "args", "outcome"),
    [
        (NoteTarget(OPEN), decide_note, AddNote(incident_id="i1", text="到场"), "ok"),
        (NoteTarget(CLOSED), decide_note, AddNote(incident_id="i1", text="到场"), "incident_closed"),
        (NoteTarget(None), decide_note, AddNote(incident_id="i1", text="到场"), "incident_not_found"),
        (OPEN, decide_amend, AmendFacts(incident_id="i1", head_count=80), "ok"),
        (OPEN, decide_amend, AmendFacts(incident_id="i1", head_count=60), "nothing_to_amend"),
        (OPEN, decide_amend, AmendFacts(incident_id="i1"), "nothing_to_amend"),
        (CLOSED, decide_amend, AmendFacts(incident_id="i1", head_count=80), "incident_closed"),
        (OPEN, decide_amend, AmendFacts(incident_id="i1", about_commission_head=True), "ok"),
        (OPEN, decide_amend, AmendFacts(incident_id="i1", about_commission_head=False), "nothing_to_amend"),
        (MARKED, decide_amend, AmendFacts(incident_id="i1", about_commission_head=True), "nothing_to_amend"),
        (
            MARKED,
            decide_amend,
            AmendFacts(incident_id="i1", about_commission_head=False),
            "recusal_irrevocable",
        ),
        (
            MARKED,
            decide_amend,
            AmendFacts(incident_id="i1", head_count=80, about_commission_head=False),
            "recusal_irrevocable",
        ),
        (MARKED, decide_amend, AmendFacts(incident_id="i1", head_count=80), "ok"),
        (CLOSED, decide_amend, AmendFacts(incident_id="i1", about_commission_head=True), "incident_closed"),
        (OPEN, decide_close, CloseIncident(incident_id="i1", outcome=Outcome.RESOLVED), "ok"),
        (CLOSED, decide_close, CloseIncident(incident_id="i1", outcome=Outcome.RESOLVED), "incident_closed"),
        (None, decide_close, CloseIncident(incident_id="i1", outcome=Outcome.RESOLVED), "incident_not_found"),
    ],
)
def test_decisions_on_an_incident(state, decide, args, outcome) -> None:  # type: ignore[no-untyped-def]
    if outcome == "ok":
        assert len(decide(state, args, CTX).events) == 1
    else:
        with pytest.raises((DomainError, NotFound)) as err:
            decide(state, args, CTX)
        assert err.value.code == outcome


def test_amend_records_only_what_changed() -> None:
    decision = decide_amend(
        OPEN, AmendFacts(incident_id="i1", head_count=80, place="机关大门", reason="核实"), CTX
    )
    event = decision.events[0].payload
    assert isinstance(event, IncidentFactsAmended)
    assert event.changes == {"head_count": 80} and event.reason == "核实"


def test_marking_is_one_event_for_the_recusal_views_only_with_the_change_beside_it() -> None:
    args = AmendFacts(incident_id="i1", head_count=80, about_commission_head=True, reason="反映主要负责人")
    mark, amended = decide_amend(OPEN, args, CTX).events
    assert isinstance(mark.payload, AboutCommissionHeadMarked) and mark.payload.reason == "反映主要负责人"
    assert isinstance(amended.payload, IncidentFactsAmended) and amended.payload.changes == {"head_count": 80}
    assert mark.visibility == amended.visibility == VISIBILITY_RECUSAL


def test_registered_about_the_head_every_event_is_for_the_recusal_views() -> None:
    secret = Confidential(informant_name="张某")
    args = RegisterIncident(
        type=IncidentType.SIT_IN,
        place="机关大门",
        head_count=6,
        confidential=secret,
        about_commission_head=True,
    )
    decision = decide_register(Numbering(2027, 1), args, CTX)
    registered = decision.events[0].payload
    assert isinstance(registered, IncidentRegistered) and registered.about_commission_head
    assert len(decision.events) == 2 and {e.visibility for e in decision.events} == {VISIBILITY_RECUSAL}
    plain = decide_register(Numbering(2027, 1), args.model_copy(update={"about_commission_head": False}), CTX)
    assert {e.visibility for e in plain.events} == {"all"}


def test_close_carries_the_outcome() -> None:
    event = decide_close(
        OPEN, CloseIncident(incident_id="i1", outcome=Outcome.DISPERSED, summary="劝离"), CTX
    ).events[0]
    assert isinstance(event.payload, IncidentClosed) and event.payload.outcome == "dispersed"
