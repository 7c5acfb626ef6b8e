"""复盘截止: once the incident is closed, the console's timers (reminders, escalations, retries) after the
close do not stretch the review's range, a duty never done counts up to the close (未完成, with who held
it), a step due after the close is no duty, and reports still owed are counted up to now."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from script import INCIDENT, WANG, Logged, at, load_into, scripted
from support import Deployment, LocalServer, login

from console.clock import parse_iso
from console.incidents.commands import Outcome as Closing
from console.incidents.events import IncidentClosed, stream_of
from review.compliance import Kind, Outcome, Page, compliance
from review.log import LoggedEvent, covered, review_end

MONTH = 60 * 24 * 30  # minutes


def _closed_at_50() -> list[LoggedEvent]:
    s = scripted()
    s.event(
        WANG,
        stream_of(INCIDENT),
        IncidentClosed(incident_id=INCIDENT, outcome=Closing.RESOLVED, summary="劝返"),
        50,
    )
    return list(s.events)


def _after(minutes: float, position: int, actor: str, stream: str, kind: str) -> Logged:
    stamp = at(minutes).isoformat()
    data: dict[str, Any] = {
        "incident_id": INCIDENT,
        "record": {"type": "action_fired", "at": stamp, "key": "remind:x"},
    }
    if kind == "review.finding_added":
        data = {"incident_id": INCIDENT, "finding_id": "f1", "text": "通知领导超时"}
    if kind == "report.sent":
        data = {"incident_id": INCIDENT, "report_id": "r1", "version": 1, "recipients": ["party-office"]}
    return Logged(position, stream, kind, actor, actor, stamp, stamp, data)


def test_timers_after_the_close_do_not_stretch_the_range() -> None:
    events: list[LoggedEvent] = [
        *_closed_at_50(),
        _after(MONTH, 900, "system", stream_of(INCIDENT), "run.action_fired"),  # a reminder a month on
        _after(MONTH + 60, 901, "u-rev", "review-" + INCIDENT, "review.finding_added"),  # the review's own
    ]
    now = at(MONTH + 120)
    assert review_end(INCIDENT, events, now) == at(50)
    positions = {e.position for e in covered(INCIDENT, events)}
    assert 900 not in positions and 901 not in positions
    # a person's entry after the close (终报 sent at 10:00) is part of it, and ends the range there
    sent = _after(60, 902, "u-qian", "report-r1", "report.sent")
    assert review_end(INCIDENT, [*events, sent], now) == at(60)
    # before closing, the timers' reminders are the response's: the range runs to now
    open_events: list[LoggedEvent] = [*scripted().events, events[-2]]
    assert review_end(INCIDENT, open_events, now) == now
    assert 900 in {e.position for e in covered(INCIDENT, open_events)}


def test_a_duty_never_done_counts_up_to_the_close() -> None:
    events = _closed_at_50()
    late_page = Page("a9", "p-li", 0, 0, "escalated", at(MONTH), at(MONTH + 5), None, None, 900)
    rows = {(r.kind, r.item): r for r in compliance(INCIDENT, events, at(MONTH), pages=[late_page])}
    head = rows[(Kind.STEP, "notify_commission_head")]
    # due 09:15, never done, closed 09:50: 未完成 35 minutes, 钱值班 held the duty post then
    assert head.outcome is Outcome.OVERDUE and head.late_by == timedelta(minutes=35)
    assert head.holder is not None and head.holder.person_id == "p-qian" and head.done_at is None
    # a step that fell due only after the close (public_notice, 10:00) was never a duty
    assert rows[(Kind.STEP, "public_notice")].outcome is Outcome.NOT_APPLICABLE
    # the roll call 刘干部 never answered: late up to the close, not for a month
    assert rows[(Kind.ROLLCALL, "rc-1/p-liu")].late_by == timedelta(minutes=13)
    # a page the timers raised a month after the close is no duty of the response
    assert not [r for r in rows.values() if r.kind is Kind.PAGE_ACK]
    # a report still owed after the close is counted up to now
    initial = rows[(Kind.REPORT, "initial#1")]
    assert initial.outcome is Outcome.OVERDUE and initial.late_by == at(MONTH) - at(30)


def test_an_open_incident_counts_up_to_now() -> None:
    rows = {(r.kind, r.item): r for r in compliance(INCIDENT, scripted().events, at(MONTH))}
    assert rows[(Kind.STEP, "notify_commission_head")].late_by == at(MONTH) - at(15)
    assert rows[(Kind.STEP, "public_notice")].outcome is Outcome.OVERDUE


def test_the_review_page_of_a_closed_incident_ends_at_the_close(deployment: Deployment) -> None:
    from console.commands import SYSTEM_ACTOR
    from console.runs.events import RunActionFired
    from playbooks.history import ActionFired
    from playbooks.state import ActionKind

    s = scripted()
    closing = IncidentClosed(incident_id=INCIDENT, outcome=Closing.RESOLVED, summary="劝返")
    s.event(WANG, stream_of(INCIDENT), closing, 50)
    # the console's timer still reminds a month later (a deadline it had not fired before the close)
    record = ActionFired(at=at(MONTH), key="remind:record_scene")
    fired = RunActionFired(
        incident_id=INCIDENT, record=record, kind=ActionKind.REMIND, role="duty_officer",
        step_id="record_scene", due_at=at(15).isoformat(), drill=False,
    )  # fmt: skip
    s.event(SYSTEM_ACTOR, stream_of(INCIDENT), fired, MONTH)
    load_into(deployment, s)
    server = LocalServer(deployment).start()
    try:
        cookie, _ = login(server, "reviewer")
        review = httpx.get(
            server.base + f"/api/incidents/{INCIDENT}/review", cookies={"ic_session": cookie}, timeout=60
        ).json()
    finally:
        server.stop()
    assert parse_iso(review["span"]["to"]) == at(50)
    assert all(parse_iso(t) <= at(50) for t in review["span"]["instants"])
    head = next(r for r in review["compliance"] if r["item"] == "notify_commission_head")
    assert (head["outcome"], head["minutes_late"], head["holder"]["name"]) == ("overdue", 35.0, "钱值班")
