"""工作记录 (ICS-214 style): what every person involved in an incident did, when and where, from the log.

Per person, in the order it happened: dispatched, acknowledged, en route, on scene, cleared; pages
received, delivered and acknowledged; steps done or skipped; decisions and level overrides with their
reasons; roll calls; report versions drafted, submitted, returned, approved (签发), sent, delivered and
confirmed by phone. Each entry names the log positions it comes from. Pure: events (and the pages the
alerts' projection holds) in, entries out; no clock, no database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from alerts.channels import KIND_LABELS as CHANNEL_LABELS
from alerts.channels import ChannelKind
from playbooks.facts import Level
from reports.model import Stage

from .compliance import Page
from .labels import STAGE_NAMES, ZH, Words
from .log import IncidentRecord, LoggedEvent, fold, instant

SYSTEM = "system"  # the console's own timers and workers (提醒、升级、投递)
SYSTEM_NAME = ZH.text("system")
# What the console's timer did, by the verb of its action key (playbooks.engine): review.labels.PHRASES.
ACTION_WORDS = ("remind", "escalate", "report_due", "wait_elapsed")
# Reported this long after it happened, an entry counts as late-reported (迟报; review.replay.LATE_AFTER).
LATE_AFTER = timedelta(minutes=1)


class Activity(StrEnum):
    """What a person did or had happen to them (活动)."""

    REGISTERED = "registered"  # 登记事件
    NOTE = "note"  # 记录情况
    FACTS_AMENDED = "facts_amended"  # 更正事实
    CLOSED = "closed"  # 结案
    DISPATCHED = "dispatched"  # 被派遣
    SENT_SOMEONE = "sent_someone"  # 派遣他人
    ACKNOWLEDGED = "acknowledged"  # 确认接收
    EN_ROUTE = "en_route"  # 出发
    ON_SCENE = "on_scene"  # 到达现场
    MOVED = "moved"  # 转移地点
    CLEARED = "cleared"  # 处置完毕撤离
    RELEASED = "released"  # 解除派遣
    PAGED = "paged"  # 收到告警
    PAGE_DELIVERED = "page_delivered"  # 告警送达
    PAGE_FAILED = "page_failed"  # 告警未送达
    PAGE_ACKNOWLEDGED = "page_acknowledged"  # 确认告警
    STEP_DONE = "step_done"  # 完成步骤
    STEP_SKIPPED = "step_skipped"  # 跳过步骤
    DECISION = "decision"  # 作出决定
    LEVEL_SET = "level_set"  # 调整响应级别
    REPORT_FILED = "report_filed"  # 报告义务完成
    REMINDER = "reminder"  # 系统提醒/升级
    ROLLCALL_STARTED = "rollcall_started"  # 发起清点
    ROLLCALL_CONFIRMED = "rollcall_confirmed"  # 清点报到
    REPORT_DRAFTED = "report_drafted"  # 起草报告
    REPORT_EDITED = "report_edited"  # 修改报告
    REPORT_SUBMITTED = "report_submitted"  # 提交签发
    REPORT_RETURNED = "report_returned"  # 退回修改
    REPORT_APPROVED = "report_approved"  # 签发
    REPORT_SENT = "report_sent"  # 报送
    REPORT_DELIVERED = "report_delivered"  # 报告送达
    REPORT_UNDELIVERED = "report_undelivered"  # 报告投递失败
    REPORT_CONFIRMED = "report_confirmed"  # 电话确认收到


@dataclass(frozen=True)
class Entry:
    """One line of a person's activity log."""

    person_id: str  # a person of the organisation, "user:ID" for a console user who is none, or SYSTEM
    name: str
    at: datetime  # when it happened (occurred_at)
    recorded_at: datetime  # when the console learned it
    activity: Activity
    subject: str  # what it concerned: a step's title, a report's stage and version, a role, a person
    place: str  # the named place the person was at (or went to), "" when the log does not say
    detail: str  # reasons, recipients, channels; who recorded it when it was someone else
    positions: tuple[int, ...]  # the events it comes from
    ref: str = ""  # the alert (告警) or report (报告) it concerns, by id: the timeline's lane
    obligation: str = ""  # a report entry's obligation (报告义务) id, "" when it answers none

    @property
    def reported_late(self) -> bool:
        return self.recorded_at - self.at > LATE_AFTER


@dataclass
class _Names:
    """Who and where things are called, as the organisation's events named them."""

    record: IncidentRecord
    persons: Mapping[str, str]  # console user id → person id
    places: dict[str, str]
    units: dict[str, str]
    words: Words = ZH

    def actor(self, event: LoggedEvent) -> tuple[str, str]:
        """(person key, name) of who recorded an event."""
        if event.actor_id == SYSTEM:
            return SYSTEM, self.words.text("system")
        person = self.persons.get(event.actor_id)
        if person is not None:
            return person, self.record.person_name(person)
        return f"user:{event.actor_id}", event.actor_name

    def person(self, person_id: str) -> str:
        return self.record.person_name(person_id)

    def place(self, place_id: str | None) -> str:
        return self.places.get(place_id, place_id) if place_id else ""

    def unit(self, unit_id: str) -> str:
        return self.units.get(unit_id, unit_id)

    def step(self, step_id: str) -> str:
        snapshot = self.record.snapshot
        if snapshot is not None:
            for s in snapshot.playbook.steps:
                if s.id == step_id:
                    return self.words.text(
                        "titled", title=self.words.local(s.title.zh, s.title.en), id=step_id
                    )
        return step_id

    def action(self, key: str) -> str:
        """A timer's action in words (提醒 · 报告分管领导（notify_leader）), from its key
        (playbooks.engine: remind:step:ID, escalate:step:ID, report_due:ID:N, escalate:report:ID:N)."""
        verb, _, rest = key.partition(":")
        if verb not in ACTION_WORDS:
            return key
        word = self.words.text(verb)
        kind, _, item = rest.partition(":")
        if kind == "step":
            return self.words.text("action", word=word, what=self.step(item))
        if kind == "report":
            return self.words.text("action", word=word, what=self.obligation(item.split(":")[0]))
        if verb == "report_due":
            return self.words.text("action", word=word, what=self.obligation(kind))
        return self.words.text("action", word=word, what=rest) if rest else word

    def obligation(self, obligation_id: str) -> str:
        snapshot = self.record.snapshot
        if snapshot is not None:
            for r in snapshot.playbook.reports:
                if r.id == obligation_id:
                    title = self.words.local(r.title.zh, r.title.en)
                    return self.words.text("titled", title=title, id=obligation_id)
        return obligation_id


def level_name(level: Level, words: Words = ZH) -> str:
    """A response tier by name: Ⅱ级响应, or Level II response."""
    return f"Level {level.roman} response" if words.english else level.zh


def _organisation(events: Sequence[LoggedEvent]) -> tuple[dict[str, str], dict[str, str]]:
    places: dict[str, str] = {}
    units: dict[str, str] = {}
    for e in events:
        if e.type == "org.imported":
            places |= {p["id"]: p["name"] for p in e.data.get("places") or ()}
            units |= {u["id"]: u["name"] for u in e.data.get("units") or ()}
        elif e.type == "place.added":
            place = e.data["place"]
            places[place["id"]] = place["name"]
    return places, units


_MOVES = {
    "acknowledge": Activity.ACKNOWLEDGED,
    "depart": Activity.EN_ROUTE,
    "arrive": Activity.ON_SCENE,
    "move_to": Activity.MOVED,
    "clear": Activity.CLEARED,
    "release": Activity.RELEASED,
}
# How a page was acknowledged (alert.acknowledged's route), zh-CN; `ack_route` gives either language.
ACK_ROUTES = {
    "console": ZH.text("ack_console"),
    "link": ZH.text("ack_link"),
    "dispatch": ZH.text("ack_dispatch"),
}


def ack_route(route: str, words: Words = ZH) -> str:
    return words.text(f"ack_{route}") if route in ACK_ROUTES else route


def _channel(kind: str, words: Words = ZH) -> str:
    """A channel kind as the office calls it (钉钉、企业微信、…)."""
    return words.pick(CHANNEL_LABELS[ChannelKind(kind)]) if kind in ChannelKind.__members__.values() else kind


def _report_name(report: Mapping[str, Any], version: int, words: Words = ZH) -> str:
    stage = str(report.get("stage", ""))
    label = words.pick(STAGE_NAMES[stage]) if stage in STAGE_NAMES else stage
    sequence = report.get("sequence")
    numbered = (
        words.text("followup", stage=label, n=sequence) if stage == Stage.FOLLOWUP and sequence else label
    )
    return words.text("version", name=numbered, n=version)


class _Builder:
    def __init__(self, incident_id: str, events: Sequence[LoggedEvent], names: _Names) -> None:
        self.incident_id = incident_id
        self.events = events
        self.names = names
        self.entries: list[Entry] = []
        self.reports: dict[str, dict[str, Any]] = {}  # report id → its stage and sequence
        self.senders: dict[tuple[str, int], tuple[str, str]] = {}  # (report, version) → who sent it
        self.asks: dict[str, str] = {}  # alert id → what it asked (赶赴现场、派遣通知、…)
        self.words = names.words

    def add(
        self,
        who: tuple[str, str],
        event: LoggedEvent,
        activity: Activity,
        subject: str = "",
        *,
        place: str = "",
        detail: str = "",
        at: datetime | None = None,
        ref: str = "",
        obligation: str = "",
    ) -> None:
        self.entries.append(
            Entry(
                person_id=who[0],
                name=who[1],
                at=at or instant(event.occurred_at),
                recorded_at=instant(event.recorded_at),
                activity=activity,
                subject=subject,
                place=place,
                detail=detail,
                positions=(event.position,),
                ref=ref,
                obligation=obligation,
            )
        )

    def on_behalf(self, event: LoggedEvent, person_id: str) -> str:
        """ "由 X 代为登记" when someone other than the person recorded the person's own activity."""
        key, name = self.names.actor(event)
        return "" if key == person_id else self.words.text("on_behalf", name=name)

    def incident(self, e: LoggedEvent) -> None:
        d, who, w = e.data, self.names.actor(e), self.words
        if e.type == "incident.registered":
            place = str(d.get("place", ""))
            detail = w.text("registered", n=d.get("head_count", ""), summary=d.get("summary", ""))
            self.add(who, e, Activity.REGISTERED, str(d.get("number", "")), place=place, detail=detail)
        elif e.type == "incident.note_added":
            self.add(who, e, Activity.NOTE, detail=str(d.get("text", "")))
        elif e.type == "incident.facts_amended":
            changes = w.text("list_sep").join(f"{k}={v}" for k, v in sorted((d.get("changes") or {}).items()))
            reason = str(d.get("reason", ""))
            detail = w.text("parts_sep").join(x for x in (changes, reason) if x)
            self.add(who, e, Activity.FACTS_AMENDED, detail=detail)
        elif e.type == "incident.closed":
            self.add(who, e, Activity.CLOSED, detail=str(d.get("summary", "")))

    def run(self, e: LoggedEvent) -> None:
        record, who, w = e.data.get("record") or {}, self.names.actor(e), self.words
        kind = record.get("type")
        if kind == "step_completed":
            self.add(who, e, Activity.STEP_DONE, self.names.step(record["step_id"]),
                     detail=str(record.get("note", "")))  # fmt: skip
        elif kind == "step_skipped":
            self.add(who, e, Activity.STEP_SKIPPED, self.names.step(record["step_id"]),
                     detail=w.text("reason", reason=record.get("reason", "")))  # fmt: skip
        elif kind == "decision_recorded":
            reason = record.get("reason") or ""
            detail = w.text("chose", option=record.get("option", ""))
            if reason:
                detail = w.text("parts_sep").join((detail, w.text("reason", reason=reason)))
            self.add(who, e, Activity.DECISION, self.names.step(record["step_id"]), detail=detail)
        elif kind == "level_overridden":
            level = record.get("level")
            shown = level_name(Level(level), w) if level else w.text("level_by_rules")
            self.add(
                who, e, Activity.LEVEL_SET, shown, detail=w.text("reason", reason=record.get("reason", ""))
            )
        elif kind == "report_filed":
            self.add(who, e, Activity.REPORT_FILED, self.names.obligation(record["obligation_id"]),
                     detail=str(record.get("note", "")))  # fmt: skip
        elif kind == "action_fired":
            self.add(who, e, Activity.REMINDER, self.names.action(str(record.get("key", ""))))

    def move(self, e: LoggedEvent) -> None:
        d = e.data
        person = str(d["person_id"])
        them = (person, self.names.person(person))
        place = self.names.place(d.get("place_id"))
        w = self.words
        if d["move"] == "dispatch":
            role = w.role(d.get("role"))
            sender = self.names.actor(e)
            self.add(
                them,
                e,
                Activity.DISPATCHED,
                role,
                place=place,
                detail=w.text("dispatched_by", name=sender[1]),
            )
            if sender[0] != person:
                subject = w.text("with_role", name=them[1], role=role) if role else them[1]
                to = w.text("go_to", place=place) if place else ""
                self.add(sender, e, Activity.SENT_SOMEONE, subject, detail=to)
        elif d["move"] in _MOVES:
            self.add(them, e, _MOVES[d["move"]], place=place, detail=self.on_behalf(e, person))

    def rollcall(self, e: LoggedEvent) -> None:
        d = e.data
        if e.type == "rollcall.started":
            self.add(self.names.actor(e), e, Activity.ROLLCALL_STARTED, str(d["rollcall_id"]),
                     detail=self.words.text("expected", n=len(d.get("expected") or ())))  # fmt: skip
        elif e.type == "rollcall.confirmed":
            person = str(d["person_id"])
            self.add((person, self.names.person(person)), e, Activity.ROLLCALL_CONFIRMED,
                     str(d["rollcall_id"]), detail=self.on_behalf(e, person))  # fmt: skip

    def alert(self, e: LoggedEvent) -> None:
        d = e.data
        person = str(d.get("person_id", ""))
        if not person:
            return
        them = (person, self.names.person(person))
        alert = str(d.get("alert_id", ""))
        ask = self.asks.get(alert, "")
        w = self.words
        if e.type == "alert.attempt_recorded":
            kind = _channel(str(d.get("kind", "")), w)
            if d.get("ok"):
                self.add(them, e, Activity.PAGE_DELIVERED, ask, detail=kind, ref=alert)
            else:
                reason = str(d.get("reason") or d.get("status") or "")
                detail = w.text("failed_because", what=kind, reason=reason)
                self.add(them, e, Activity.PAGE_FAILED, ask, detail=detail, ref=alert)
        elif e.type == "alert.acknowledged":
            route = ack_route(str(d.get("route", "")), w)
            via = w.text("via", channel=_channel(str(d["via"]), w)) if d.get("via") else ""
            self.add(them, e, Activity.PAGE_ACKNOWLEDGED, ask, detail=route + via, ref=alert)

    def report(self, e: LoggedEvent) -> None:
        d, who, w = e.data, self.names.actor(e), self.words
        report_id = str(d.get("report_id", ""))
        if e.type == "report.drafted":
            draft = d.get("draft") or {}
            self.reports[report_id] = {
                "stage": draft.get("stage", ""),
                "sequence": draft.get("sequence"),
                "obligation": str(d.get("obligation_id") or ""),
            }
        known = self.reports.get(report_id, {})
        version = int(d.get("version") or 0)
        name = _report_name(known, version, w)
        add = partial(self.add, ref=report_id, obligation=known.get("obligation", ""))
        if e.type == "report.drafted":
            corrects = w.text("corrects") if d.get("corrects") else ""
            add(who, e, Activity.REPORT_DRAFTED, name, detail=corrects)
        elif e.type == "report.edited":
            add(who, e, Activity.REPORT_EDITED, name, detail=w.text("edited", n=len(d.get("texts") or {})))
        elif e.type == "report.submitted":
            add(who, e, Activity.REPORT_SUBMITTED, name)
        elif e.type == "report.returned":
            add(who, e, Activity.REPORT_RETURNED, name, detail=w.text("reason", reason=d.get("reason", "")))
        elif e.type == "report.approved":
            serial = w.text("serial", year=d.get("year"), serial=d.get("serial")) if d.get("serial") else ""
            add(who, e, Activity.REPORT_APPROVED, name, detail=serial)
        elif e.type == "report.sent":
            self.senders[(report_id, version)] = who
            to = w.text("names_sep").join(self.names.unit(r) for r in d.get("recipients") or ())
            add(who, e, Activity.REPORT_SENT, name, detail=w.text("sent_to", to=to))
        elif e.type == "report.delivery_attempted":
            # the worker's attempt is logged in the name of who sent that version
            sender = self.senders.get((report_id, version), self.names.actor(e))
            to = self.names.unit(str(d.get("recipient", "")))
            if d.get("ok"):
                add(sender, e, Activity.REPORT_DELIVERED, name, detail=w.text("delivered_to", to=to))
            else:
                reason = str(d.get("reason") or d.get("status") or "")
                detail = w.text("failed_because", what=to, reason=reason)
                add(sender, e, Activity.REPORT_UNDELIVERED, name, detail=detail)
        elif e.type == "report.receipt_confirmed":
            to = self.names.unit(str(d.get("recipient", "")))
            detail = w.text("confirmed_by", to=to, who=d.get("confirmed_by", ""))
            add(who, e, Activity.REPORT_CONFIRMED, name, detail=detail)

    def pages(self, pages: Sequence[Page]) -> None:
        """收到告警: each page, at the instant it was paged (the event recorded then is its cause)."""
        by_instant: dict[datetime, int] = {}
        for e in self.events:
            by_instant.setdefault(instant(e.recorded_at), e.position)
        for p in pages:
            position = by_instant.get(p.paged_at, p.position)
            who = (p.person_id, self.names.person(p.person_id))
            self.entries.append(
                Entry(
                    person_id=who[0],
                    name=who[1],
                    at=p.paged_at,
                    recorded_at=p.paged_at,
                    activity=Activity.PAGED,
                    subject=self.words.role(p.ask),
                    place="",
                    detail=self.words.text("round", level=p.level + 1, round=p.round + 1),
                    positions=(position,),
                    ref=p.alert_id,
                )
            )


def _with_places(entries: list[Entry]) -> list[Entry]:
    """An entry without a place takes the place the person was at then (from their last move)."""
    at_place: dict[str, str] = {}
    out: list[Entry] = []
    for entry in sorted(entries, key=lambda x: (x.at, x.positions)):
        if entry.activity in (Activity.CLEARED, Activity.RELEASED):
            at_place.pop(entry.person_id, None)
        elif entry.activity in (Activity.ON_SCENE, Activity.MOVED) and entry.place:
            at_place[entry.person_id] = entry.place
        elif not entry.place and entry.person_id in at_place:
            entry = replace(entry, place=at_place[entry.person_id])
        out.append(entry)
    return out


_INCIDENT_TYPES = frozenset(
    {"incident.registered", "incident.note_added", "incident.facts_amended", "incident.closed"}
)


def activity(
    incident_id: str,
    events: Iterable[LoggedEvent],
    *,
    pages: Sequence[Page] = (),
    persons: Mapping[str, str] | None = None,
    words: Words = ZH,
) -> list[Entry]:
    """Every person's activity at the incident, person by person (in the order they first appear) and
    in the order it happened; `persons` maps console users to the people they are (person id = user
    name), so what a user recorded is the person's own activity. Subjects and details are written in
    `words`' language (review.labels.words(locale)); what people typed stays as they typed it."""
    ordered = sorted(events, key=lambda e: e.position)
    record = fold(incident_id, ordered)
    places, units = _organisation(ordered)
    names = _Names(record, persons or {}, places, units, words)
    b = _Builder(incident_id, ordered, names)
    b.asks = {p.alert_id: words.role(p.ask) for p in pages}
    report_streams = {f"report-{e.data['report_id']}" for e in ordered if e.type == "report.drafted"
                      and e.data.get("incident_id") == incident_id}  # fmt: skip
    for e in ordered:
        mine = e.data.get("incident_id") == incident_id
        if e.type in _INCIDENT_TYPES and mine:
            b.incident(e)
        elif e.type.startswith("run.") and mine:
            b.run(e)
        elif e.type == "responder.moved" and mine:
            b.move(e)
        elif e.type.startswith("rollcall.") and mine:
            b.rollcall(e)
        elif e.type.startswith("alert.") and mine:
            b.alert(e)
        elif e.type.startswith("report.") and e.stream in report_streams and e.type != "report.downloaded":
            b.report(e)
    b.pages(pages)
    # in the order it happened; at one instant, in the order of the log (a page after what caused it)
    placed = sorted(enumerate(_with_places(b.entries)), key=lambda x: (x[1].at, x[1].positions, x[0]))
    rank: dict[str, int] = {}
    for _, entry in placed:
        rank.setdefault(entry.person_id, len(rank))
    return sorted((entry for _, entry in placed), key=lambda x: rank[x.person_id])


def people(entries: Sequence[Entry]) -> list[tuple[str, str, list[Entry]]]:
    """(person id, name, their entries) in the order of the log."""
    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        grouped.setdefault(entry.person_id, []).append(entry)
    return [(pid, rows[0].name, rows) for pid, rows in grouped.items()]


CSV_HEADER = (
    "人员 person",
    "姓名 name",
    "时间 occurred",
    "登记时间 recorded",
    "地点 place",
    "活动 activity",
    "事项 subject",
    "说明 detail",
    "事件 positions",
)


def to_csv(entries: Iterable[Entry], labels: Mapping[str, str], incidents: Sequence[str] = ()) -> str:
    """The activity log as CSV (UTF-8 text; the edge adds a BOM), `labels` naming each activity; with
    `incidents` (one number per entry: a person's log across incidents) a first column names each's."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow((("事件 incident",) if incidents else ()) + CSV_HEADER)
    for i, e in enumerate(entries):
        row = [
            e.person_id,
            e.name,
            e.at.isoformat(),
            e.recorded_at.isoformat(),
            e.place,
            labels.get(e.activity, e.activity.value),
            e.subject,
            e.detail,
            " ".join(str(p) for p in e.positions),
        ]
        writer.writerow([incidents[i], *row] if incidents else row)
    return out.getvalue()


def of_person(entries: Iterable[Entry], person_id: str, start: datetime, end: datetime) -> list[Entry]:
    """One person's entries that happened in [start, end), in the order they happened."""
    mine = [e for e in entries if e.person_id == person_id and start <= e.at < end]
    return sorted(mine, key=lambda e: (e.at, e.positions))
