"""The report decisions without a database: the status machine's table, approval's freeze, corrections."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.commands import Actor, Context
from console.errors import DomainError
from console.reports.commands import ApproveReport, CorrectReport, SendReport
from console.reports.decide import (
    TRANSITIONS,
    Action,
    Approval,
    ReportState,
    Sending,
    decide_approve,
    decide_correct,
    decide_send,
    move,
)
from console.reports.events import ReportApproved, ReportDrafted, ReportSent, ReportStatus
from console.runs.events import RunReportFiled
from console.settings import Settings
from reports.demo import DEMO_HEADER, demo_draft
from reports.demo import NOW as DEMO_NOW
from reports.document import ReportDocument
from reports.model import FieldKey, Stage

LEADER = Actor(id="leader", name="陈刚", roles=frozenset({"leader"}))


def _ctx() -> Context:
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    settings = Settings(data_dir=Path("."), database_url="sqlite://", secret_key="k")
    return Context(now=now, occurred_at=now, actor=LEADER, new_id="id-1", settings=settings)


def _state(status: ReportStatus, *, filled: bool = True, content_hash: str | None = None) -> ReportState:
    draft = demo_draft()
    if not filled:
        draft = draft.edited({FieldKey.TREND: ""})
    return ReportState(
        report_id="rep-1",
        incident_id="inc-1",
        stage=Stage.INITIAL,
        sequence=1,
        obligation_id="initial",
        drill=False,
        version=1,
        status=status,
        draft=draft,
        corrects="",
        document=None,
        content_hash=content_hash,
    )


@pytest.mark.parametrize("status", list(ReportStatus))
@pytest.mark.parametrize("action", list(Action))
def test_the_status_machine_is_its_table(status: ReportStatus, action: Action) -> None:
    allowed, after = TRANSITIONS[action]
    if status in allowed:
        assert move(status, action) is after
    else:
        with pytest.raises(DomainError) as refused:
            move(status, action)
        assert refused.value.code == "report_illegal_move"


def test_only_approved_reports_are_sent() -> None:
    assert {s for s in ReportStatus if s in TRANSITIONS[Action.SEND][0]} == {ReportStatus.APPROVED}


def test_approval_freezes_the_document_with_its_hash_and_the_witness() -> None:
    head = "ab" * 32
    approval = Approval(_state(ReportStatus.SUBMITTED), 41, head, 7, DEMO_HEADER)
    decision = decide_approve(approval, ApproveReport(report_id="rep-1"), _ctx())
    payload = decision.events[0].payload
    assert isinstance(payload, ReportApproved)
    document = ReportDocument.from_json(payload.document)
    assert document.content_hash() == payload.content_hash
    assert (payload.witness_position, payload.witness_hash) == (41, head)
    assert head in document.witness and "41" in document.witness
    assert document.signer == "陈刚" and document.doc_number == "县纪发〔2026〕7号"
    assert json.loads(payload.document)["title"] == document.title


def test_a_required_field_left_empty_blocks_approval() -> None:
    approval = Approval(_state(ReportStatus.SUBMITTED, filled=False), 41, "ab" * 32, 1, DEMO_HEADER)
    with pytest.raises(DomainError) as refused:
        decide_approve(approval, ApproveReport(report_id="rep-1"), _ctx())
    assert refused.value.code == "report_fields_missing"


def test_sending_fulfils_an_open_obligation_once() -> None:
    sending = Sending(_state(ReportStatus.APPROVED, content_hash="c" * 64), ("县委办公室",), True)
    events = decide_send(sending, SendReport(report_id="rep-1"), _ctx()).events
    assert isinstance(events[0].payload, ReportSent) and events[0].payload.recipients == ["县委办公室"]
    assert isinstance(events[1].payload, RunReportFiled)
    assert events[1].payload.record.obligation_id == "initial"
    closed = Sending(_state(ReportStatus.APPROVED, content_hash="c" * 64), ("县委办公室",), False)
    assert len(decide_send(closed, SendReport(report_id="rep-1"), _ctx()).events) == 1


def test_a_correction_is_a_new_version_that_names_what_it_corrects() -> None:
    sent = _state(ReportStatus.SENT, content_hash="d" * 64)
    decision = decide_correct(sent, CorrectReport(report_id="rep-1", corrects="人数有误"), _ctx())
    payload = decision.events[0].payload
    assert isinstance(payload, ReportDrafted)
    assert payload.version == 2 and payload.corrects.startswith("更正第1版（dddddddddddd）：人数有误")


def test_the_demo_draft_is_complete() -> None:
    assert demo_draft().missing == ()
    assert DEMO_NOW.tzinfo is not None
