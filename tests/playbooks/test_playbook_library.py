"""The shipped library: it all loads, and each playbook carries what the seed asks of it."""

from __future__ import annotations

import pytest
from playbook_support import library, snapshot

from playbooks.facts import FactName, IncidentFacts, IncidentType
from playbooks.model import (
    DecisionKind,
    Playbook,
    PlaybookSnapshot,
    Recipient,
    ReportObligation,
    ReportStage,
    Step,
)

SHIPPED = ["collective_visit", "cross_level_visit", "sit_in", "violence", "screening", "repeat_petitioner"]


def test_whole_library_loads_without_errors() -> None:
    lib = library()
    assert lib.errors == ()
    assert sorted(s.playbook.id for s in lib.playbooks) == sorted(SHIPPED)


@pytest.mark.parametrize("incident_type", [t for t in IncidentType if t is not IncidentType.OTHER])
def test_every_incident_type_has_a_playbook(incident_type: IncidentType) -> None:
    snap = library().for_incident(incident_type)
    assert snap is not None and incident_type in snap.playbook.serves


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_every_playbook_has_one_jurisdiction_decision_needing_a_reason(playbook_id: str) -> None:
    decisions = [s.decision for s in snapshot(playbook_id).playbook.steps if s.decision is not None]
    jurisdiction = [d for d in decisions if d.kind is DecisionKind.JURISDICTION]
    assert len(jurisdiction) == 1 and jurisdiction[0].reason_required
    assert [o.id for o in jurisdiction[0].all_options()] == ["handle_here", "send_up", "transfer"]


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_every_playbook_reports_upward_and_closes_with_a_final_report(playbook_id: str) -> None:
    reports = snapshot(playbook_id).playbook.reports
    assert any(r.stage is ReportStage.FINAL and r.due.after == "close" for r in reports)
    assert any(Recipient.HIGHER_COMMISSION in r.recipients for r in reports)


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_texts_are_bilingual_and_chinese_is_chinese(playbook_id: str) -> None:
    pb = snapshot(playbook_id).playbook
    items: list[Playbook | Step | ReportObligation] = [pb, *pb.steps, *pb.reports]
    for item in items:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in item.title.zh), item.title
        assert item.title.en.isascii(), item.title


@pytest.mark.parametrize("playbook_id", ["sit_in", "violence", "collective_visit", "cross_level_visit"])
def test_initial_reports_by_phone_and_in_writing_from_the_settings(playbook_id: str) -> None:
    pb = snapshot(playbook_id).playbook
    phone, written = pb.report("initial_phone"), pb.report("initial")
    assert phone is not None and phone.due.setting == "first_report_phone"
    assert written is not None and written.due.setting == "first_report_written"


def test_collective_visit_has_representatives_and_leader_reception() -> None:
    pb = snapshot("collective_visit").playbook
    reps = pb.step("choose_representatives")
    assert reps is not None and reps.decision is not None
    assert reps.decision.kind is DecisionKind.REPRESENTATIVES
    receives = pb.step("leader_receives")
    assert receives is not None and receives.role == "leader_in_charge"


def test_sit_in_police_decision_is_not_held_behind_persuasion() -> None:
    pb = snapshot("sit_in").playbook
    decision = pb.step("police_assistance")
    assert decision is not None and "persuade" not in decision.depends_on


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_snapshot_survives_a_json_round_trip(playbook_id: str) -> None:
    snap = snapshot(playbook_id)
    again = PlaybookSnapshot.model_validate_json(snap.model_dump_json())
    assert again == snap and again.ref == snap.ref


def test_altered_snapshot_is_refused() -> None:
    data = snapshot("sit_in").model_dump(mode="json", by_alias=True)
    data["playbook"]["steps"][0]["due"]["minutes"] = 99
    with pytest.raises(ValueError, match="content_hash"):
        PlaybookSnapshot.model_validate(data)


def test_fact_names_cover_every_fact() -> None:
    assert set(FactName.__args__) == set(IncidentFacts.model_fields)  # type: ignore[attr-defined]
