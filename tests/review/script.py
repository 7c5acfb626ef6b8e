"""A scripted sit-in at the main gate with known lateness, sealed into a real hash chain.

The run's records come from the runs domain's pure deciders (so the playbook checks every one); the
organisation, roster and responder moves are the payloads the responders domain emits. Each command has
its own `occurred_at` (when it happened) and `now` (when the console recorded it), minutes after T0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from console.commands import Actor, Context, Decision
from console.eventlog import GENESIS, Head, seal
from console.events import EventPayload, NewEvent, RecordedEvent
from console.incidents.commands import Channel, GradingFacts
from console.incidents.events import IncidentRegistered, sealed, stream_of
from console.responders.events import (
    OrganisationImported,
    ResponderMoved,
    RollcallConfirmed,
    RollcallStarted,
    RosterChanged,
    person_stream,
)
from console.runs.commands import CompleteStep, FileReport, OverrideLevel, SkipStep
from console.runs.decide import Run, decide_complete, decide_file, decide_override, decide_skip
from console.settings import Settings
from playbooks.facts import IncidentFacts, IncidentType, Level, PlaceType
from playbooks.history import RunActivated
from playbooks.loader import load_library
from responders.organisation import Person, Unit, UnitKind
from responders.roster import ChangeKind, Post, RosterChange, Shift
from responders.status import Move, ResponderStatus

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
INCIDENT = "i1"
SETTINGS = Settings(data_dir=Path("var"), database_url="sqlite://", secret_key="k")

WANG = Actor("u-wang", "王值班", frozenset({"duty_officer"}))
QIAN = Actor("u-qian", "钱值班", frozenset({"duty_officer"}))
LI = Actor("u-li", "李书记", frozenset({"leader"}))
CHEN = Actor("u-chen", "陈队长", frozenset({"responder"}))
LIU = Actor("u-liu", "刘干部", frozenset({"responder"}))
ADMIN = Actor("u-admin", "管理员", frozenset({"admin"}))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass
class Script:
    events: list[RecordedEvent] = field(default_factory=list)
    head: Head = field(default_factory=lambda: Head(0, GENESIS))
    run: Run | None = None
    ids: int = 0

    def emit(
        self, actor: Actor, drafts: list[NewEvent], occurred: float, recorded: float | None = None
    ) -> None:
        self.ids += 1
        sealed = seal(
            self.head,
            drafts,
            actor=actor,
            recorded_at=at(occurred if recorded is None else recorded),
            occurred_at=at(occurred),
            command_id=f"c{self.ids}",
        )
        self.events += sealed
        for e in sealed:
            record = getattr(e.payload, "record", None)
            if record is not None and self.run is not None:
                self.run = replace(self.run, history=(*self.run.history, record))

    def event(
        self, actor: Actor, stream: str, payload: EventPayload, occurred: float, recorded: float | None = None
    ) -> None:
        self.emit(actor, [NewEvent(stream=stream, payload=payload)], occurred, recorded)

    def command(
        self,
        decide: Callable[[Run | None, Any, Context], Decision],
        args: Any,
        actor: Actor,
        occurred: float,
        recorded: float | None = None,
    ) -> None:
        now = at(occurred if recorded is None else recorded)
        ctx = Context(
            now=now, occurred_at=at(occurred), actor=actor, new_id=f"id{self.ids:030d}", settings=SETTINGS
        )
        self.emit(actor, list(decide(self.run, args, ctx).events), occurred, recorded)

    def move(
        self,
        actor: Actor,
        person: str,
        move: Move,
        status: ResponderStatus,
        occurred: float,
        *,
        role: str | None = None,
        place: str | None = None,
        recorded: float | None = None,
    ) -> None:
        payload = ResponderMoved(
            person_id=person,
            move=move,
            status=status,
            incident_id=INCIDENT,
            role=role,
            place_id=place,
            on_behalf=actor.id != f"u-{person[2:]}",
        )
        self.event(actor, person_stream(person), payload, occurred, recorded)


@dataclass(frozen=True)
class Logged:
    """An event as the log holds it (review.log.LoggedEvent), for what the script does not seal."""

    position: int
    stream: str
    type: str
    actor_id: str
    actor_name: str
    occurred_at: str
    recorded_at: str
    data: dict[str, Any] = field(default_factory=dict)


def person(pid: str, name: str) -> Person:
    return Person(id=pid, name=name, unit_id="county")


def shift(sid: str, post: Post, start: float, end: float, holder: str) -> Shift:
    return Shift(id=sid, unit_id="county", post=post, start=at(start), end=at(end), holder_id=holder)


GATE = GradingFacts(place_type=PlaceType.PARTY_GOV_GATE)


def scripted() -> Script:
    """The incident; what is late, by how much and whose it was is listed in test_compliance."""
    s = Script()
    people = [
        person("p-wang", "王值班"),
        person("p-zhao", "赵值班"),
        person("p-qian", "钱值班"),
        person("p-sun", "孙主任"),
        person("p-li", "李书记"),
        person("p-chen", "陈队长"),
        person("p-liu", "刘干部"),
    ]
    unit = Unit(id="county", name="某县纪委监委", kind=UnitKind.COUNTY_COMMISSION)
    s.event(ADMIN, "org", OrganisationImported(table="people", units=[unit], people=people), -120)
    shifts = [
        shift("s-early", Post.DUTY_OFFICER, -60, 10, "p-wang"),
        shift("s-day", Post.DUTY_OFFICER, 10, 540, "p-zhao"),
        shift("s-lead", Post.LEADER_ON_DUTY, -60, 540, "p-sun"),
    ]
    s.event(ADMIN, "roster", OrganisationImported(table="shifts", shifts=shifts), -110)
    # 顶班: 钱 takes 赵's day shift, 李书记 takes 孙主任's leader shift, both before the incident.
    for cid, sid, holder in (("rc1", "s-day", "p-qian"), ("rc2", "s-lead", "p-li")):
        change = RosterChange(
            id=cid,
            kind=ChangeKind.OVERRIDE,
            shift_id=sid,
            new_holder_id=holder,
            made_by="p-sun",
            made_at=at(-30),
            reason="病假顶班",
        )
        s.event(ADMIN, "roster", RosterChanged(change=change), -30)

    library = load_library()
    snap = library.get("sit_in")
    assert snap is not None
    registered = IncidentRegistered(
        incident_id=INCIDENT,
        number="XF-2026-0001",
        incident_type=IncidentType.SIT_IN,
        place="机关大门",
        head_count=60,
        summary="群众在机关大门静坐",
        channel=Channel.WALK_IN,
        drill=False,
        started_at=at(0).isoformat(),
        facts=GATE,
        playbook=snap,
    )
    s.event(WANG, stream_of(INCIDENT), registered, 0)
    facts = IncidentFacts(
        incident_type=IncidentType.SIT_IN, head_count=60, place_type=PlaceType.PARTY_GOV_GATE
    )
    s.run = Run(INCIDENT, snap, facts, (RunActivated(at=at(0)),), drill=False, closed=False)

    s.command(decide_complete, CompleteStep(incident_id=INCIDENT, step_id="start_response"), WANG, 2)
    s.move(WANG, "p-chen", Move.DISPATCH, ResponderStatus.DISPATCHED, 5, role="field_commander", place="gate")
    s.command(
        decide_override,
        OverrideLevel(incident_id=INCIDENT, level=Level.EXTRAORDINARY, reason="领导研判升级响应"),
        LI,
        6,
    )
    s.command(decide_complete, CompleteStep(incident_id=INCIDENT, step_id="notify_leader"), WANG, 8)
    s.move(CHEN, "p-chen", Move.ACKNOWLEDGE, ResponderStatus.ACKNOWLEDGED, 9)
    s.command(decide_complete, CompleteStep(incident_id=INCIDENT, step_id="leader_ack"), LI, 12)
    s.command(decide_file, FileReport(incident_id=INCIDENT, obligation_id="initial_phone"), QIAN, 14)
    # 陈队长 reached the gate at 09:16 but it was entered only at 09:31 (a fact reported late).
    s.move(CHEN, "p-chen", Move.ARRIVE, ResponderStatus.ON_SCENE, 16, place="gate", recorded=31)
    s.command(decide_complete, CompleteStep(incident_id=INCIDENT, step_id="dispatch_team"), QIAN, 20)
    s.move(QIAN, "p-liu", Move.DISPATCH, ResponderStatus.DISPATCHED, 21, role="field_responder", place="gate")
    s.command(
        decide_skip,
        SkipStep(incident_id=INCIDENT, step_id="alert_police_station", reason="派出所民警已在现场"),
        QIAN,
        25,
    )
    s.move(LIU, "p-liu", Move.ACKNOWLEDGE, ResponderStatus.ACKNOWLEDGED, 30)
    s.event(
        LI,
        stream_of(INCIDENT),
        RollcallStarted(
            rollcall_id="rc-1",
            incident_id=INCIDENT,
            expected=["p-chen", "p-liu"],
            deadline=at(37).isoformat(),
        ),
        32,
    )
    s.event(
        CHEN,
        stream_of(INCIDENT),
        RollcallConfirmed(rollcall_id="rc-1", incident_id=INCIDENT, person_id="p-chen"),
        33,
    )
    # 举报人 details, sealed: a bundle must not carry them.
    s.emit(WANG, [sealed(INCIDENT, {"informant_name": "张某某"})], 34)
    return s


def load_into(deployment: Any, script: Script | None = None) -> None:
    """Append the scripted incident's events (or those of `script`) to a deployment's empty log,
    projections and all."""
    import asyncio

    from console import eventlog
    from console.db import open_database
    from console.domains import registry

    events = (script or scripted()).events
    reg = registry()

    def write(conn: Any) -> None:
        head = eventlog.lock_head(conn)
        assert head.position == 0, "the template database is expected to hold no events"
        eventlog.insert_events(conn, events)
        reg.apply(conn, events)
        eventlog.save_head(conn, eventlog.Head(events[-1].position, events[-1].hash))

    async def main() -> None:
        db = open_database(deployment.settings)
        try:
            await db.run_write(write)
        finally:
            await db.dispose()

    asyncio.run(main())
