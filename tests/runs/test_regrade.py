"""Regrades (issue 9): facts that change the response level take effect only from the duty officer or a
leader; a responder's become a proposal that one of them confirms or declines, and every regrade says
who caused it. Table-driven over the shipped sit_in playbook, without a database."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "playbooks"))

import pytest
from decision_table import Emits, Event, Refusal, case, check, emits
from playbook_support import at, snapshot

from console.commands import Actor, Context
from console.errors import DomainError, NotFound
from console.incidents.commands import GradingFacts
from console.runs.commands import ConfirmFacts, DeclineFacts, UpdateFacts
from console.runs.decide import Proposal, RecordedBy, Run, decide_confirm, decide_decline, decide_facts
from console.runs.events import RunFactsChanged, RunFactsDeclined, RunFactsProposed
from console.runs.views import regrades, run_view
from console.settings import Settings
from playbooks.facts import IncidentFacts, IncidentType, Level, PlaceType
from playbooks.history import FactsChanged, HistoryRecord, LevelOverridden, RunActivated

NOW = at(20)
SETTINGS = Settings(data_dir=Path("var"), database_url="sqlite://", secret_key="k")


def ctx(*roles: str, user: str = "u") -> Context:
    return Context(NOW, at(19), Actor(user, user, frozenset(roles)), "p-0123456789abcdef", SETTINGS)


RESPONDER, DUTY, LEADER = ctx("responder", user="rsp"), ctx("duty_officer", user="duty"), ctx("leader")
STREAM = "incident-i1"
# 60 people at the main gate: major. 120 there: extraordinary; 61 there: still major.
GATE = IncidentFacts(incident_type=IncidentType.SIT_IN, head_count=60, place_type=PlaceType.PARTY_GOV_GATE)
AT_GATE = GradingFacts(place_type=PlaceType.PARTY_GOV_GATE)


def a_run(*records: HistoryRecord, proposals: dict[str, Proposal] | None = None) -> Run:
    history = (RunActivated(at=at(0)), *records)
    return Run("i1", snapshot("sit_in"), GATE, history, drill=False, closed=False, proposals=proposals or {})


def update(head_count: int, note: str = "") -> UpdateFacts:
    return UpdateFacts(incident_id="i1", facts=AT_GATE, head_count=head_count, note=note)


def proposed(head_count: int) -> Proposal:
    return Proposal(
        proposal_id="p1",
        facts=GATE.model_copy(update={"head_count": head_count}),
        based_on=GATE,
        note="现场人数增加",
        proposed_by="rsp",
        proposed_by_name="张处置",
    )


def changed(head_count: int, **fields: Any) -> Emits:
    facts = GATE.model_copy(update={"head_count": head_count})
    return emits(Event(STREAM, RunFactsChanged, {"incident_id": "i1", "record.facts": facts, **fields}))


UPDATES = [
    case(
        "a responder's facts that change the level wait as a proposal",
        RESPONDER,
        update(120, "人数增加"),
        Emits(
            (
                Event(
                    STREAM,
                    RunFactsProposed,
                    {
                        "proposal_id": "p-0123456789abcdef",
                        "facts.head_count": 120,
                        "based_on": GATE,
                        "note": "人数增加",
                        "level_from": Level.MAJOR,
                        "level_to": Level.EXTRAORDINARY,
                    },
                ),
            ),
            {"proposal_id": "p-0123456789abcdef"},
        ),
    ),
    case(
        "a responder's facts that keep the level take effect",
        RESPONDER,
        update(61),
        changed(61, level_from=None, level_to=None),
    ),
    case(
        "the duty officer regrades, and the event says from what to what",
        DUTY,
        update(120),
        changed(120, level_from=Level.MAJOR, level_to=Level.EXTRAORDINARY, proposed_by=None),
    ),
    case(
        "a leader regrades",
        LEADER,
        update(120),
        changed(120, level_from=Level.MAJOR, level_to=Level.EXTRAORDINARY),
    ),
]


@pytest.mark.parametrize(("context", "args", "expected"), UPDATES)
def test_who_may_change_the_level_by_facts(context: Context, args: UpdateFacts, expected: Emits) -> None:
    check(decide_facts, a_run(), args, context, expected)


def test_a_responder_cannot_grade_down_either() -> None:
    extraordinary = FactsChanged(at=at(5), facts=GATE.model_copy(update={"head_count": 120}))
    decision = decide_facts(a_run(extraordinary), update(60), RESPONDER)
    payload = decision.events[0].payload
    assert isinstance(payload, RunFactsProposed)
    assert (payload.level_from, payload.level_to) == (Level.EXTRAORDINARY, Level.MAJOR)


def test_a_responder_cannot_move_the_graded_level_under_an_override() -> None:
    # The leader holds the level by hand; the facts would still move the graded level under it.
    held = LevelOverridden(at=at(5), level=Level.MAJOR, reason="领导研判")
    payload = decide_facts(a_run(held), update(120), RESPONDER).events[0].payload
    assert isinstance(payload, RunFactsProposed)


CONFIRMS = [
    case(
        "the duty officer confirms: the proposed facts, and whose they were",
        a_run(proposals={"p1": proposed(120)}),
        ConfirmFacts(incident_id="i1", proposal_id="p1"),
        changed(
            120,
            level_from=Level.MAJOR,
            level_to=Level.EXTRAORDINARY,
            proposal_id="p1",
            proposed_by="rsp",
            proposed_by_name="张处置",
            **{"record.note": "现场人数增加"},
        ),
    ),
    case(
        "nothing waits under that id",
        a_run(),
        ConfirmFacts(incident_id="i1", proposal_id="p1"),
        Refusal(NotFound, "proposal_not_found"),
    ),
    case(
        "the facts changed since it was proposed",
        a_run(
            FactsChanged(at=at(10), facts=GATE.model_copy(update={"head_count": 80})),
            proposals={"p1": proposed(120)},
        ),
        ConfirmFacts(incident_id="i1", proposal_id="p1"),
        Refusal(DomainError, "proposal_outdated"),
    ),
    case(
        "no run", None, ConfirmFacts(incident_id="i1", proposal_id="p1"), Refusal(NotFound, "no_playbook_run")
    ),
]


@pytest.mark.parametrize(("run", "args", "expected"), CONFIRMS)
def test_confirm(run: Run | None, args: ConfirmFacts, expected: Emits | Refusal) -> None:
    check(decide_confirm, run, args, DUTY, expected)


def test_decline() -> None:
    args = DeclineFacts(incident_id="i1", proposal_id="p1", reason="人数未核实")
    expected = emits(Event(STREAM, RunFactsDeclined, {"proposal_id": "p1", "reason": "人数未核实"}))
    check(decide_decline, a_run(proposals={"p1": proposed(120)}), args, DUTY, expected)
    check(decide_decline, a_run(), args, DUTY, Refusal(NotFound, "proposal_not_found"))


def test_every_regrade_says_who_caused_it() -> None:
    up = FactsChanged(at=at(5), facts=GATE.model_copy(update={"head_count": 120}), note="人数增加")
    same = FactsChanged(at=at(6), facts=GATE.model_copy(update={"head_count": 121}))
    down = LevelOverridden(at=at(8), level=Level.MAJOR, reason="领导研判")
    run = replace(
        a_run(up, same, down),
        recorded_by=(
            RecordedBy("duty", "王值班"),
            RecordedBy("duty", "王值班", proposed_by="rsp", proposed_by_name="张处置"),
            RecordedBy("rsp", "张处置"),
            RecordedBy("boss", "李书记"),
        ),
    )
    changes = regrades(run)
    assert [(c["level_from"], c["level_to"], c["cause"]) for c in changes] == [
        ("major", "extraordinary", "facts_changed"),
        ("extraordinary", "major", "level_overridden"),
    ]
    assert changes[0]["by"] == {"id": "duty", "name": "王值班"}
    assert changes[0]["proposed_by"] == {"id": "rsp", "name": "张处置"}
    assert changes[1]["by"]["name"] == "李书记" and changes[1]["note"] == "领导研判"
    view = run_view(run, NOW)
    assert view["regrades"] == changes
    # A row from before actors were kept says nothing wrong: the regrade is there, its author unknown.
    assert regrades(replace(run, recorded_by=()))[0]["by"] is None
