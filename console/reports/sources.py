"""The log as the draft builder reads it: an incident's events turned into reports.facts.

This is the one place that knows which events feed a report. It reads the incident's stream (its
registration, amendments, close, the run's steps and decisions, and every move of a person at it) and
names each fact by the event's position. Confidential events are skipped: they never reach a draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from playbooks.model import PlaybookSnapshot, ResponseRole
from reports.facts import (
    Amended,
    Arrived,
    Closed,
    DecisionMade,
    Dispatched,
    HeadCountChanged,
    LogFact,
    Registered,
    StepDone,
)
from responders.status import Move

from ..clock import parse_iso
from ..events import EventPayload, RecordedEvent
from ..incidents.events import IncidentClosed, IncidentFactsAmended, IncidentRegistered
from ..responders.events import ResponderMoved
from ..runs.events import RunDecisionRecorded, RunStepCompleted
from ..runs.follow import LEADER_STEP_IDS

# The events a draft reads, by their stored type.
FOLLOWED: dict[str, type[EventPayload]] = {
    cls.event_type: cls
    for cls in (
        IncidentRegistered,
        IncidentFactsAmended,
        IncidentClosed,
        RunStepCompleted,
        RunDecisionRecorded,
        ResponderMoved,
    )
}

TYPE_LABELS = {
    "collective_visit": "集体访",
    "cross_level_visit": "越级集体访",
    "sit_in": "静坐、围堵",
    "violence": "行凶、自杀或携带危险品",
    "screening": "排查",
    "repeat_petitioner": "信访老户",
    "other": "突发",
}
CHANNEL_LABELS = {
    "walk_in": "来访",
    "phone": "来电",
    "letter": "来信",
    "web": "网络",
    "assigned_from_above": "上级交办",
    "early_warning": "预警信息",
}
OUTCOME_LABELS = {
    "resolved": "矛盾已化解",
    "dispersed": "人员已劝离",
    "sent_up": "已上报上级机关",
    "transferred": "已移交有关部门",
    "other": "已处置",
}
ROLE_LABELS = {
    ResponseRole.FIELD_COMMANDER.value: "现场指挥",
    ResponseRole.INFO_REPORTER.value: "信息报送",
    ResponseRole.FIELD_RESPONDER.value: "现场处置",
    ResponseRole.POLICE_LIAISON.value: "安全保卫",
    ResponseRole.MEDICAL.value: "医疗救护",
    ResponseRole.LOGISTICS.value: "后勤保障",
    ResponseRole.LEADER_IN_CHARGE.value: "分管领导",
    ResponseRole.DUTY_OFFICER.value: "值班员",
}
# The sealed fields of an incident (console.incidents.commands.Confidential), as a report names them.
CONFIDENTIAL_LABELS = {
    "informant_name": "举报人姓名",
    "informant_id_number": "身份证号",
    "informant_phone": "联系电话",
    "informant_address": "住址",
    "report_content": "举报内容",
    "real_name": "是否实名",
}
LEADER_ROLES = frozenset({"leader_in_charge", "commission_leader"})
LEAD_ROLES = frozenset({ResponseRole.FIELD_COMMANDER.value, "incident_lead"})


@dataclass(frozen=True)
class PersonInfo:
    name: str
    post: str
    phone: str
    roles: frozenset[str]
    person_id: str = ""  # the organisation's id (the people map also keys a person by their login's id)


def facts_of(
    events: Iterable[RecordedEvent],
    *,
    people: Mapping[str, PersonInfo],
    places: Mapping[str, str],
    snapshot: PlaybookSnapshot | None,
) -> list[LogFact]:
    """The facts of an incident's events (already in position order)."""
    out: list[LogFact] = []
    playbook = snapshot.playbook if snapshot is not None else None
    for event in events:
        cls = FOLLOWED.get(event.type)
        if cls is None:
            continue
        p = cls.model_validate_json(event.payload_json)
        at = parse_iso(event.occurred_at)
        pos = event.position
        if isinstance(p, IncidentRegistered):
            out.append(
                Registered(
                    position=pos,
                    at=parse_iso(event.recorded_at),
                    number=p.number,
                    type_label=TYPE_LABELS.get(p.incident_type.value, p.incident_type.value),
                    place=p.place,
                    head_count=p.head_count,
                    summary=p.summary,
                    source=CHANNEL_LABELS.get(p.channel.value, p.channel.value),
                    started_at=parse_iso(p.started_at),
                    drill=p.drill,
                )
            )
        elif isinstance(p, IncidentFactsAmended):
            for name, value in p.changes.items():
                if name == "head_count":
                    out.append(HeadCountChanged(position=pos, at=at, head_count=int(value), note=p.reason))
                elif name == "place":
                    out.append(Amended(position=pos, at=at, label="地点", value=str(value), reason=p.reason))
                elif name == "type":
                    label = TYPE_LABELS.get(str(value), str(value))
                    out.append(Amended(position=pos, at=at, label="事件性质", value=label, reason=p.reason))
        elif isinstance(p, IncidentClosed):
            out.append(
                Closed(position=pos, at=at, outcome=OUTCOME_LABELS[p.outcome.value], summary=p.summary)
            )
        elif isinstance(p, RunStepCompleted):
            step = playbook.step(p.record.step_id) if playbook else None
            title = step.title.zh if step else p.record.step_id
            out.append(StepDone(position=pos, at=p.record.at, title=title, note=p.record.note))
            leader = people.get(event.actor_id)
            if (
                p.record.step_id in LEADER_STEP_IDS
                and p.followed is None  # ticked by hand, not by the arrival itself
                and leader is not None
                and leader.roles & LEADER_ROLES
            ):
                # The leader marked their own step on site (分管领导到场指挥): they are on site.
                out.append(
                    Arrived(
                        position=pos,
                        at=p.record.at,
                        name=leader.name,
                        post=leader.post,
                        leader=True,
                        person_id=leader.person_id or event.actor_id,
                    )
                )
        elif isinstance(p, RunDecisionRecorded):
            step = playbook.step(p.record.step_id) if playbook else None
            title = step.title.zh if step else p.record.step_id
            option = p.record.option
            if step is not None and step.decision is not None:
                chosen = [o for o in step.decision.all_options() if o.id == option]
                option = chosen[0].title.zh if chosen else option
            if p.record.representatives:
                option = f"{option}（{'、'.join(p.record.representatives)}）"
            out.append(
                DecisionMade(position=pos, at=p.record.at, title=title, option=option, reason=p.record.reason)
            )
        elif isinstance(p, ResponderMoved):
            person = people.get(p.person_id, PersonInfo(p.person_id, "", "", frozenset()))
            place = places.get(p.place_id or "", "")
            if p.move is Move.DISPATCH:
                role = p.role or ""
                out.append(
                    Dispatched(
                        position=pos,
                        at=at,
                        name=person.name,
                        post=person.post,
                        role=ROLE_LABELS.get(role, role or "处置人员"),
                        place=place,
                        phone=person.phone,
                        lead=role in LEAD_ROLES,
                    )
                )
            elif p.move is Move.ARRIVE:
                out.append(
                    Arrived(
                        position=pos,
                        at=at,
                        name=person.name,
                        post=person.post,
                        place=place,
                        leader=bool(person.roles & LEADER_ROLES),
                        person_id=p.person_id,
                    )
                )
    return out
