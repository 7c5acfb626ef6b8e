"""What the alerts decisions load, and the projectors: the outbox rows are written here, by the
projector of the event that causes them, inside that event's transaction (DESIGN §3: commit, then send).

Triggers followed from other domains: an urgent incident registered (its policy's first level is paged
to go to the scene), a playbook reminder or escalation fired (`run.action_fired`, the role's holders),
a dispatch (the dispatched responder), an overdue roll call (the lead who started it), a report
falling due (`run.action_fired` report_due, the information officer; `page_report_due` is the hook for
the reports domain's own events).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, literal, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter

from alerts.channels import IN_APP, fingerprint, kind_of
from alerts.message import Ask
from alerts.policy import (
    Policy,
    Target,
    Urgency,
    canonical_json,
    first_step,
    resolve,
    starting_with,
    units_under,
)
from alerts.quiet import QuietHours, held_until
from playbooks.model import PlaybookSnapshot
from playbooks.state import ActionKind
from responders.roster import running
from responders.status import Move, PersonState

from ..clock import parse_iso, utc_iso
from ..commands import Context
from ..errors import ConsoleError, InvalidInput
from ..events import EventPayload, RecordedEvent
from ..incidents.events import IncidentClosed, IncidentRegistered
from ..incidents.recusal import commission_heads, is_recused
from ..incidents.tables import incident_members
from ..registry import Projector
from ..responders.events import OrganisationImported, ResponderMoved, RollcallOverdue
from ..responders.store import person_states
from ..responders.store import roster as load_roster
from ..responders.tables import assignments, org_people, org_places, org_units
from ..runs.events import RunActionFired, RunLevelOverridden
from ..runs.tables import playbook_runs
from ..tables import users
from .books import incident_book, legacy_book
from .commands import (
    Acknowledge,
    AcknowledgeByLink,
    Escalate,
    RecordAttempt,
    RecordAttempts,
    Resend,
    SetChannels,
)
from .events import AlertAcknowledged, AlertEscalated, AlertResent, AttemptRecorded, ChannelsSet
from .tables import (
    alert_books,
    alert_channels,
    alert_incidents,
    alert_outbox,
    alert_pages,
    alert_people,
    alert_policies,
    alerts,
)

# --- reading ---


@dataclass(frozen=True)
class Channel:
    url: str
    kind: str
    fingerprint: str


# A page reads its person's channels and writes its rows in the writer's transaction of every urgent
# registration and escalation, once per person paged: these statements are built once.
_CHANNELS_OF = (
    select(alert_channels)
    .where(alert_channels.c.person_id == bindparam("person_id"))
    .order_by(alert_channels.c.seq)
)
_INSERT_PAGE = insert(alert_pages)
_INSERT_ATTEMPT = insert(alert_outbox)
# One page: a person at a level and round of an alert (`_page_key` gives its parameters).
_PAGE_KEY = (
    (alert_pages.c.alert_id == bindparam("k_alert"))
    & (alert_pages.c.person_id == bindparam("k_person"))
    & (alert_pages.c.level == bindparam("k_level"))
    & (alert_pages.c.round == bindparam("k_round"))
)
_PAGE_SHOWN = (
    update(alert_pages)
    .where(_PAGE_KEY & (alert_pages.c.state == "sending"))
    .values(state="delivered", delivered_at=bindparam("p_at"), last_position=bindparam("p_position"))
)


def _page_key(alert_id: str, person_id: str, level: int, round_: int) -> dict[str, Any]:
    return {"k_alert": alert_id, "k_person": person_id, "k_level": level, "k_round": round_}


def channels_of(conn: Connection, person_id: str) -> list[Channel]:
    """A person's channels in order; someone who set none is reached in the console only."""
    rows = conn.execute(_CHANNELS_OF, {"person_id": person_id}).all()
    return channels_or_in_app([Channel(r.url, r.kind, r.fingerprint) for r in rows])


def channels_or_in_app(channels: list[Channel]) -> list[Channel]:
    """Someone who set no channel is reached in the console only."""
    return channels or [Channel(IN_APP, kind_of(IN_APP).value, fingerprint(IN_APP))]


def person_of_actor(conn: Connection, actor_id: str) -> str | None:
    """The organisation person a signed-in user is (their user name is the person's id)."""
    name = conn.scalar(select(users.c.username).where(users.c.id == actor_id))
    if name is None:
        return None
    return name if conn.scalar(select(org_people.c.id).where(org_people.c.id == name)) else None


# A page names a few roles, posts or units among thousands of people: each read below takes only the
# rows its targets can match (resolve() gives the same people from these as from the whole organisation),
# because they run inside the writer's transaction of every registration and escalation.


def _roles_of(conn: Connection, targets: tuple[Target, ...]) -> dict[str, frozenset[str]]:
    """The roles of the people the targets name by id or by role (the others cannot match)."""
    persons = [t.person for t in targets if t.person is not None]
    roles = [t.role for t in targets if t.role is not None]
    if not persons and not roles:
        return {}
    padded = literal(",") + org_people.c.roles + literal(",")
    query = select(org_people.c.id, org_people.c.roles).where(
        or_(org_people.c.id.in_(persons), *(padded.contains(f",{role},", autoescape=True) for role in roles))
    )
    return {r.id: frozenset(x for x in r.roles.split(",") if x) for r in conn.execute(query)}


def _unit_of(conn: Connection, units: set[str]) -> dict[str, str | None]:
    """The unit of each person of `units`."""
    if not units:
        return {}
    query = select(org_people.c.id, org_people.c.unit_id).where(org_people.c.unit_id.in_(units))
    return {r.id: r.unit_id for r in conn.execute(query)}


def _parent_of(conn: Connection) -> dict[str, str | None]:
    return {r.id: r.parent_id for r in conn.execute(select(org_units.c.id, org_units.c.parent_id))}


def _on_duty(conn: Connection, now: datetime, posts: set[str]) -> dict[str, list[str]]:
    """The holders of each of `posts` now, the latest shift's first. Only those posts' shifts are read:
    a swap is only ever between shifts of one post, so their holders come out the same."""
    if not posts:
        return {}
    on: dict[str, dict[str, None]] = {}
    shifts = sorted(running(load_roster(conn, posts), now), key=lambda e: e.shift.start, reverse=True)
    for e in shifts:
        on.setdefault(e.shift.post.value, {}).setdefault(e.holder_id)  # a dict keeps first-seen order
    return {post: list(holders) for post, holders in on.items()}


def _participants(conn: Connection, incident_id: str) -> set[str]:
    """Who takes part in a drill: people dispatched to it and members of the incident."""
    dispatched = set(
        conn.scalars(select(assignments.c.person_id).where(assignments.c.incident_id == incident_id))
    )
    members = set(
        conn.scalars(
            select(users.c.username)
            .join(incident_members, incident_members.c.user_id == users.c.id)
            .where(incident_members.c.incident_id == incident_id)
        )
    )
    return dispatched | members


def people_for(conn: Connection, incident_id: str, targets: tuple[Target, ...], now: datetime) -> list[str]:
    """The people some targets name now (a drill's: only those taking part in it)."""
    unit_targets = [(t.unit, t.below) for t in targets if t.unit is not None]
    parent_of = _parent_of(conn) if unit_targets else {}
    units = {u for unit, below in unit_targets for u in (units_under(unit, parent_of) if below else {unit})}
    posts = {t.post for t in targets if t.post is not None}
    on_duty = _on_duty(conn, now, posts)
    found = resolve(targets, _roles_of(conn, targets), on_duty, _unit_of(conn, units), parent_of)
    if is_recused(conn, incident_id):
        # 回避: a report about the commission's head never pages the head, whatever the chain names.
        heads = commission_heads(conn)
        found = [p for p in found if p not in heads]
    if _drill(conn, incident_id):
        taking_part = _participants(conn, incident_id)
        found = [p for p in found if p in taking_part]
    return found


def _drill(conn: Connection, incident_id: str) -> bool:
    return bool(
        conn.scalar(select(alert_incidents.c.drill).where(alert_incidents.c.incident_id == incident_id))
    )


def outbox_id(
    incident_id: str,
    alert_id: str,
    person_id: str,
    level: int,
    round_: int,
    channel: int,
    attempt: int,
    *,
    resend: int = 0,
) -> str:
    """The attempt's dedupe key: the same attempt always has the same id (a repeat is recognisable).
    The tries of a resend by hand (the n-th) have keys of their own; the first sending's are as before."""
    material = f"{incident_id}|{alert_id}|{person_id}|{level}|{round_}|{channel}|{attempt}"
    if resend:
        material += f"|resend{resend}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


# --- writing pages and attempts (inside the causing event's transaction) ---


def _page(
    conn: Connection, alert: Any, person_id: str, level: int, round_: int, at: str, position: int
) -> None:
    conn.execute(
        _INSERT_PAGE,
        {
            "alert_id": alert.id,
            "person_id": person_id,
            "level": level,
            "round": round_,
            "paged_at": at,
            "state": "sending",
            "last_position": position,
        },
    )
    first = channels_of(conn, person_id)[0]
    _attempt(conn, alert, person_id, level, round_, 0, 1, first, due_at=at, at=at, position=position)


def _attempt(
    conn: Connection,
    alert: Any,
    person_id: str,
    level: int,
    round_: int,
    channel_index: int,
    attempt_no: int,
    channel: Channel,
    *,
    due_at: str,
    at: str,
    position: int,
    row_id: str | None = None,
    resend: Any = None,
) -> None:
    """One attempt's outbox row; `resend` (a row of the resend it belongs to, or an AlertResent with
    the asker) links the row to the attempt sent again and says who asked; a resend is not held for
    quiet hours (someone asked for it now)."""
    key = row_id or outbox_id(
        alert.incident_id, alert.id, person_id, level, round_, channel_index, attempt_no
    )
    values: dict[str, Any] = {
        "id": key,
        "alert_id": alert.id,
        "incident_id": alert.incident_id,
        "person_id": person_id,
        "level": level,
        "round": round_,
        "channel_index": channel_index,
        "attempt_no": attempt_no,
        "kind": channel.kind,
        "fingerprint": channel.fingerprint,
        "created_at": at,
        "last_position": position,
    }
    if resend is not None:
        values.update(resend=resend.resend, resend_of=resend.resend_of, resent_by=resend.resent_by)
    if channel.kind == IN_APP_KIND:
        # 站内提醒: the person's open pages show it as this transaction's events are published (commit,
        # then publish), so it is delivered here, with nothing to send, lease or record afterwards.
        conn.execute(_INSERT_ATTEMPT, {**values, **_SHOWN, "due_at": at, "attempted_at": at})
        conn.execute(
            _PAGE_SHOWN,
            {**_page_key(alert.id, person_id, level, round_), "p_at": at, "p_position": position},
        )
        return
    held = _held_until(conn, alert, person_id, channel.kind, due_at) if resend is None else None
    conn.execute(
        _INSERT_ATTEMPT, {**values, "state": "pending", "due_at": held or due_at, "held_until": held}
    )


IN_APP_KIND = kind_of(IN_APP).value
# What an in-app attempt comes to, recorded with the page (as the worker recorded it before).
_SHOWN = {"state": "delivered", "status": "SUCCESS", "reason": "shown in the console", "latency_ms": 0}


def _held_until(conn: Connection, alert: Any, person_id: str, kind: str, due_at: str) -> str | None:
    """免打扰: when an attempt due then waits for the person's quiet hours (else the policy's) to end."""
    chain = Policy.model_validate_json(alert.chain)
    own = conn.scalar(select(alert_people.c.quiet_hours).where(alert_people.c.person_id == person_id))
    quiet = QuietHours.model_validate_json(own) if own else chain.quiet_hours
    urgent = chain.urgency is Urgency.URGENT
    until = held_until(quiet, urgent=urgent, kind=kind, now=parse_iso(due_at))
    return utc_iso(until) if until is not None else None


def _alert_row(conn: Connection, alert_id: str) -> Any:
    return conn.execute(select(alerts).where(alerts.c.id == alert_id)).one_or_none()


def raise_alert(
    conn: Connection,
    event: RecordedEvent,
    *,
    incident_id: str,
    ask: Ask,
    targets: tuple[Target, ...] | None,
    place: str | None = None,
    suffix: str = "",
    policy: Policy | None = None,
) -> None:
    """Open an alert about an incident and page its first level, in the causing event's transaction;
    `policy` (a playbook step's own) instead of the incident's."""
    incident = conn.execute(
        select(alert_incidents).where(alert_incidents.c.incident_id == incident_id)
    ).one_or_none()
    if incident is None:
        return
    if policy is None:
        policy = Policy.model_validate_json(incident.policy)
    chain = policy if targets is None else starting_with(policy, targets)
    now = parse_iso(event.recorded_at)
    people = people_for(conn, incident_id, chain.levels[0].targets, now)
    step = first_step(chain, now)
    alert_id = f"a{event.position}{suffix}"
    at = event.recorded_at
    conn.execute(
        insert(alerts).values(
            id=alert_id,
            incident_id=incident_id,
            ask=ask.value,
            place=place or incident.place,
            chain=chain.model_dump_json(),
            level=0,
            round=0,
            state="open",
            next_at=utc_iso(step.next_at),
            drill=incident.drill,
            created_at=at,
            last_position=event.position,
            paged_by=event.actor_name[:200],
        )
    )
    alert = _alert_row(conn, alert_id)
    for person in people:
        _page(conn, alert, person, 0, 0, at, event.position)
    if not people:
        # Nobody to page at this level: go on to the next at once rather than wait out its timeout.
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(next_at=at))


def page_report_due(conn: Connection, event: RecordedEvent, incident_id: str) -> None:
    """Hook for the reports domain: a report falling due pages the information officer."""
    raise_alert(
        conn, event, incident_id=incident_id, ask=Ask.REPORT_DUE, targets=_ROLE_TARGETS["info_reporter"]
    )


# --- projectors of the triggers (events of other domains) ---

# Playbook response roles → who holds them in the organisation now (the roster first, then the role).
_ROLE_TARGETS: dict[str, tuple[Target, ...]] = {
    "leader_in_charge": (Target(post="leader_on_duty"), Target(role="leader_in_charge")),
    "duty_officer": (Target(post="duty_officer"), Target(role="duty_officer")),
    "field_commander": (Target(role="incident_lead"),),
    "info_reporter": (Target(post="duty_officer"), Target(role="petition_staff")),
    "field_responder": (Target(role="petition_staff"),),
    "police_liaison": (Target(role="liaison"),),
    "medical": (Target(role="liaison"),),
    "logistics": (Target(role="petition_staff"),),
}


# Every registration runs these: built once (building one costs more than running it).
_NAME_OR_ID: BindParameter[str] = bindparam("name_or_id")
_PLACE_NAME = select(org_places.c.name).where(
    (org_places.c.id == _NAME_OR_ID) | (org_places.c.name == _NAME_OR_ID)
)
_BOOK_KNOWN = select(alert_books.c.hash).where(alert_books.c.hash == bindparam("hash"))
_INSERT_BOOK = insert(alert_books)
_INSERT_INCIDENT = insert(alert_incidents)


def _place_name(conn: Connection, name_or_id: str | None) -> str | None:
    """A place as the organisation names it, or None: free text typed at registration never goes out."""
    if not name_or_id:
        return None
    row = conn.execute(_PLACE_NAME, {"name_or_id": name_or_id}).first()
    return row.name if row else None


def _registered(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, IncidentRegistered)
    # The book the registration pinned (one registered before books were pinned: the book shipped then).
    pinned = p.alert_book or legacy_book()
    if conn.scalar(_BOOK_KNOWN, {"hash": pinned.hash}) is None:
        conn.execute(
            _INSERT_BOOK,
            {"hash": pinned.hash, "book": canonical_json(pinned.book), "last_position": event.position},
        )
    policy = pinned.book.for_type(p.incident_type.value)
    conn.execute(
        _INSERT_INCIDENT,
        {
            "incident_id": p.incident_id,
            "number": p.number,
            "type": p.incident_type.value,
            "level": None,
            "place": _place_name(conn, p.place),
            "drill": p.drill,
            "policy": policy.model_dump_json(),
            "last_position": event.position,
            "book_hash": pinned.hash,
        },
    )
    if policy.urgency.value == "urgent":
        raise_alert(conn, event, incident_id=p.incident_id, ask=Ask.GO_TO_SCENE, targets=None)


def _level_overridden(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, RunLevelOverridden)
    level = p.record.level.value if p.record.level is not None else None
    conn.execute(
        update(alert_incidents)
        .where(alert_incidents.c.incident_id == p.incident_id)
        .values(level=level, last_position=event.position)
    )


_ACTION_ASKS = {
    ActionKind.REMIND: Ask.STEP_OVERDUE,
    ActionKind.ESCALATE: Ask.ESCALATED,
    ActionKind.REPORT_DUE: Ask.REPORT_DUE,
}


def _action_fired(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, RunActionFired)
    ask = _ACTION_ASKS.get(p.kind)
    if ask is None:
        return  # a wait elapsing tells nobody
    targets = _ROLE_TARGETS.get(p.role, (Target(post="duty_officer"),))
    policy = _named_policy(conn, p)
    raise_alert(conn, event, incident_id=p.incident_id, ask=ask, targets=targets, policy=policy)


def _named_policy(conn: Connection, p: RunActionFired) -> Policy | None:
    """The escalation policy the run's pinned playbook names for this action, if any, from the policy
    book the incident was registered under (the names were checked against it then): an escalation's
    own (`on_overdue.escalate_policy`), else a notify step's (`policy`)."""
    if p.step_id is None and p.obligation_id is None:
        return None
    text = conn.scalar(select(playbook_runs.c.snapshot).where(playbook_runs.c.incident_id == p.incident_id))
    if text is None:
        return None
    pb = PlaybookSnapshot.model_validate_json(text).playbook
    item = pb.step(p.step_id) if p.step_id is not None else pb.report(p.obligation_id or "")
    if item is None:
        return None
    name = pb.on_overdue_for(item).escalate_policy if p.kind is ActionKind.ESCALATE else None
    if name is None and p.step_id is not None:
        name = getattr(item, "policy", None)
    if name is None:
        return None
    return next((x for x in incident_book(conn, p.incident_id).policies if x.id == name), None)


def _moved(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ResponderMoved)
    if p.move is Move.ACKNOWLEDGE and p.incident_id is not None:
        _dispatch_acknowledged(conn, event, p.incident_id, p.person_id)
        return
    if p.move is not Move.DISPATCH or p.incident_id is None:
        return
    raise_alert(
        conn,
        event,
        incident_id=p.incident_id,
        ask=Ask.DISPATCHED,
        targets=(Target(person=p.person_id),),
        place=_place_name(conn, p.place_id),
        suffix=f"-{hashlib.sha256(p.person_id.encode()).hexdigest()[:6]}",
    )


def _dispatch_acknowledged(conn: Connection, event: RecordedEvent, incident_id: str, person_id: str) -> None:
    """确认派遣: acknowledging the dispatch is acknowledging its page (one act, not two)."""
    open_pages = conn.execute(
        select(alerts.c.id)
        .join(alert_pages, alert_pages.c.alert_id == alerts.c.id)
        .where(
            (alerts.c.incident_id == incident_id)
            & (alerts.c.ask == Ask.DISPATCHED.value)
            & (alert_pages.c.person_id == person_id)
            & (alert_pages.c.state != "acknowledged")
        )
    ).scalars()
    for alert_id in sorted(set(open_pages)):
        _acknowledge(conn, event, alert_id, person_id, "dispatch")


def _closed(conn: Connection, event: RecordedEvent) -> None:
    """An incident closed: its alerts stop escalating and their waiting attempts are not sent."""
    p = event.payload
    assert isinstance(p, IncidentClosed)
    conn.execute(
        update(alerts)
        .where((alerts.c.incident_id == p.incident_id) & alerts.c.state.in_(("open", "exhausted")))
        .values(state="closed", next_at=None, last_position=event.position)
    )
    conn.execute(
        update(alert_outbox)
        .where(
            (alert_outbox.c.incident_id == p.incident_id)
            & (alert_outbox.c.state == "pending")
            & alert_outbox.c.lease_until.is_(None)
        )
        .values(state="cancelled", last_position=event.position)
    )


def _rollcall_overdue(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, RollcallOverdue)
    lead = conn.scalar(select(users.c.username).where(users.c.id == p.started_by)) or p.started_by
    raise_alert(
        conn, event, incident_id=p.incident_id, ask=Ask.ROLLCALL_OVERDUE, targets=(Target(person=lead),)
    )


def _policies_imported(conn: Connection, event: RecordedEvent) -> None:
    """通知策略 of the organisation import: added to (or replacing by id) the book new incidents pin."""
    p = event.payload
    assert isinstance(p, OrganisationImported)
    for policy in p.policies:
        values = {"policy": policy.model_dump_json(), "last_position": event.position}
        done = conn.execute(update(alert_policies).where(alert_policies.c.id == policy.id).values(**values))
        if done.rowcount == 0:
            conn.execute(insert(alert_policies).values(id=policy.id, **values))
    if p.removed_policies:
        # Gone from the book new incidents pin; a live incident's pinned book (alert_books) keeps it.
        conn.execute(delete(alert_policies).where(alert_policies.c.id.in_(p.removed_policies)))


# --- projectors of the alerts' own events ---


def _channels_set(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, ChannelsSet)
    conn.execute(delete(alert_channels).where(alert_channels.c.person_id == p.person_id))
    if p.channels:
        conn.execute(
            insert(alert_channels),
            [
                {
                    "person_id": p.person_id,
                    "seq": i,
                    "url": url,
                    "kind": kind_of(url).value,
                    "fingerprint": fingerprint(url),
                    "last_position": event.position,
                }
                for i, url in enumerate(p.channels)
            ],
        )
    conn.execute(delete(alert_people).where(alert_people.c.person_id == p.person_id))
    quiet = p.quiet_hours.model_dump_json() if p.quiet_hours is not None else None
    conn.execute(
        insert(alert_people).values(
            person_id=p.person_id, locale=p.locale, quiet_hours=quiet, last_position=event.position
        )
    )


# A busy worker records attempts by the hundred: the statements of the common path are built once
# (building and cache-keying an expression per attempt cost more than running it).
_RECORD = (
    update(alert_outbox)
    .where(alert_outbox.c.id == bindparam("r_id"))
    .values(
        state=bindparam("r_state"),
        attempted_at=bindparam("r_at"),
        status=bindparam("r_status"),
        reason=bindparam("r_reason"),
        latency_ms=bindparam("r_latency"),
        lease_until=None,
        claimed_by=None,
        last_position=bindparam("r_position"),
    )
)
_OUTBOX_ROW = select(alert_outbox).where(alert_outbox.c.id == bindparam("r_id"))
_DELIVERED = (
    update(alert_pages)
    .where(_PAGE_KEY & (alert_pages.c.state != "acknowledged"))
    .values(state="delivered", delivered_at=bindparam("r_at"), last_position=bindparam("r_position"))
)


def _attempt_recorded(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, AttemptRecorded)
    conn.execute(
        _RECORD,
        {
            "r_id": p.outbox_id,
            "r_state": "delivered" if p.ok else "failed",
            "r_at": event.recorded_at,
            "r_status": p.status,
            "r_reason": p.reason,
            "r_latency": p.latency_ms,
            "r_position": event.position,
        },
    )
    row = conn.execute(_OUTBOX_ROW, {"r_id": p.outbox_id}).one_or_none()
    if row is None:
        return
    key = _page_key(row.alert_id, row.person_id, row.level, row.round)
    if p.ok:
        conn.execute(_DELIVERED, {**key, "r_at": event.recorded_at, "r_position": event.position})
        return
    alert = _alert_row(conn, row.alert_id)
    if p.next is not None:
        page_state = conn.scalar(select(alert_pages.c.state).where(_PAGE_KEY), key)
        if page_state == "acknowledged":
            return  # acknowledged while this attempt was in flight: nothing more to send
        nxt = p.next
        channel = Channel("", nxt.kind, nxt.fingerprint)
        _attempt(
            conn,
            alert,
            row.person_id,
            row.level,
            row.round,
            nxt.channel_index,
            nxt.attempt_no,
            channel,
            due_at=nxt.due_at,
            at=event.recorded_at,
            position=event.position,
            row_id=nxt.id,
            resend=row if row.resend else None,
        )
    elif p.exhausted:
        conn.execute(
            update(alert_pages)
            .where(_PAGE_KEY & (alert_pages.c.state == "sending"))
            .values(state="failed", last_position=event.position),
            key,
        )
        # Everyone of the current level unreachable: escalation goes on now, not after the timeout.
        current = (
            conn.execute(
                select(alert_pages.c.state).where(
                    (alert_pages.c.alert_id == row.alert_id)
                    & (alert_pages.c.level == alert.level)
                    & (alert_pages.c.round == alert.round)
                )
            )
            .scalars()
            .all()
        )
        if alert.state == "open" and current and all(s == "failed" for s in current):
            conn.execute(update(alerts).where(alerts.c.id == alert.id).values(next_at=event.recorded_at))


def _escalated(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, AlertEscalated)
    conn.execute(
        update(alerts)
        .where(alerts.c.id == p.alert_id)
        .values(
            level=p.level,
            round=p.round,
            state="exhausted" if p.exhausted else "open",
            next_at=p.next_at,
            last_position=event.position,
        )
    )
    alert = _alert_row(conn, p.alert_id)
    for person in p.people:
        _page(conn, alert, person, p.level, p.round, event.recorded_at, event.position)
    if not p.people and not p.exhausted:
        conn.execute(update(alerts).where(alerts.c.id == p.alert_id).values(next_at=event.recorded_at))


@dataclass(frozen=True)
class _Asked:
    """A resend as the outbox row records it: which, of what, and who asked."""

    resend: int
    resend_of: str
    resent_by: str


def _resent(conn: Connection, event: RecordedEvent) -> None:
    """重新发送: the attempt goes out now; the page is sending again (a delivered one stays delivered)."""
    p = event.payload
    assert isinstance(p, AlertResent)
    alert = _alert_row(conn, p.alert_id)
    if alert is None:
        return
    conn.execute(
        update(alert_pages)
        .where(_PAGE_KEY & (alert_pages.c.state == "failed"))
        .values(state="sending", last_position=event.position),
        _page_key(p.alert_id, p.person_id, p.level, p.round),
    )
    _attempt(
        conn,
        alert,
        p.person_id,
        p.level,
        p.round,
        p.channel_index,
        1,
        Channel("", p.kind, p.fingerprint),
        due_at=event.recorded_at,
        at=event.recorded_at,
        position=event.position,
        row_id=p.outbox_id,
        resend=_Asked(p.resend, p.resend_of, event.actor_name[:200]),
    )


def _acknowledged(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    assert isinstance(p, AlertAcknowledged)
    _acknowledge(conn, event, p.alert_id, p.person_id, p.route.value)


def _acknowledge(conn: Connection, event: RecordedEvent, alert_id: str, person_id: str, route: str) -> None:
    alert = _alert_row(conn, alert_id)
    if alert is None:
        return
    if alert.state in ("open", "exhausted"):
        conn.execute(
            update(alerts)
            .where(alerts.c.id == alert_id)
            .values(
                state="acknowledged",
                next_at=None,
                acked_by=person_id,
                acked_at=event.recorded_at,
                last_position=event.position,
            )
        )
    mine = (alert_pages.c.alert_id == alert_id) & (alert_pages.c.person_id == person_id)
    conn.execute(
        update(alert_pages)
        .where(mine)
        .values(
            state="acknowledged", acked_at=event.recorded_at, ack_route=route, last_position=event.position
        )
    )
    # The person knows: their attempts still waiting are stopped (one in flight is recorded when it ends).
    conn.execute(
        update(alert_outbox)
        .where(
            (alert_outbox.c.alert_id == alert_id)
            & (alert_outbox.c.person_id == person_id)
            & (alert_outbox.c.state == "pending")
            & alert_outbox.c.lease_until.is_(None)
        )
        .values(state="cancelled", last_position=event.position)
    )


PROJECTORS: dict[type[EventPayload], tuple[Projector, ...]] = {
    IncidentRegistered: (_registered,),
    IncidentClosed: (_closed,),
    RunLevelOverridden: (_level_overridden,),
    RunActionFired: (_action_fired,),
    ResponderMoved: (_moved,),
    RollcallOverdue: (_rollcall_overdue,),
    OrganisationImported: (_policies_imported,),
    ChannelsSet: (_channels_set,),
    AttemptRecorded: (_attempt_recorded,),
    AlertEscalated: (_escalated,),
    AlertAcknowledged: (_acknowledged,),
    AlertResent: (_resent,),
}


# --- loaders for the decisions ---


@dataclass(frozen=True)
class ChannelsState:
    person_id: str | None
    known_person: bool
    is_admin: bool


def load_channels(conn: Connection, args: SetChannels, ctx: Context) -> ChannelsState:
    me = person_of_actor(conn, ctx.actor.id)
    person = args.person_id or me
    known = (
        person is not None
        and conn.scalar(select(org_people.c.id).where(org_people.c.id == person)) is not None
    )
    is_admin = "admin" in ctx.actor.roles or (person is not None and person == me)
    return ChannelsState(person, known, is_admin)


@dataclass(frozen=True)
class AttemptState:
    row: Any
    alert: Any
    channels: list[Channel]
    page_state: str | None = None  # sending, delivered, failed, acknowledged


def _page_state(conn: Connection, row: Any) -> str | None:
    state: str | None = conn.scalar(
        select(alert_pages.c.state).where(
            (alert_pages.c.alert_id == row.alert_id)
            & (alert_pages.c.person_id == row.person_id)
            & (alert_pages.c.level == row.level)
            & (alert_pages.c.round == row.round)
        )
    )
    return state


def load_attempt(conn: Connection, args: RecordAttempt, _ctx: Context) -> AttemptState | None:
    row = conn.execute(select(alert_outbox).where(alert_outbox.c.id == args.outbox_id)).one_or_none()
    if row is None:
        return None
    alert = _alert_row(conn, row.alert_id)
    return AttemptState(row, alert, channels_of(conn, row.person_id), _page_state(conn, row))


@dataclass(frozen=True)
class AttemptsState:
    by_id: dict[str, AttemptState]


def load_attempts(conn: Connection, args: RecordAttempts, _ctx: Context) -> AttemptsState:
    """A batch's outbox rows, their alerts, pages and people's channels, in four reads for the batch."""
    ids = sorted({a.outbox_id for a in args.attempts})
    rows = list(conn.execute(select(alert_outbox).where(alert_outbox.c.id.in_(ids))))
    alert_ids = sorted({r.alert_id for r in rows})
    alert_rows = {a.id: a for a in conn.execute(select(alerts).where(alerts.c.id.in_(alert_ids)))}
    page_states = {
        (p.alert_id, p.person_id, p.level, p.round): p.state
        for p in conn.execute(
            select(
                alert_pages.c.alert_id,
                alert_pages.c.person_id,
                alert_pages.c.level,
                alert_pages.c.round,
                alert_pages.c.state,
            ).where(alert_pages.c.alert_id.in_(alert_ids))
        )
    }
    people = sorted({r.person_id for r in rows})
    channels: dict[str, list[Channel]] = {p: [] for p in people}
    for c in conn.execute(
        select(alert_channels)
        .where(alert_channels.c.person_id.in_(people))
        .order_by(alert_channels.c.person_id, alert_channels.c.seq)
    ):
        channels[c.person_id].append(Channel(c.url, c.kind, c.fingerprint))
    return AttemptsState(
        {
            r.id: AttemptState(
                r,
                alert_rows.get(r.alert_id),
                channels_or_in_app(channels[r.person_id]),
                page_states.get((r.alert_id, r.person_id, r.level, r.round)),
            )
            for r in rows
        }
    )


@dataclass(frozen=True)
class ResendState:
    """A failed attempt someone asks to send again, its alert and page, and the page's other rows."""

    row: Any
    alert: Any
    page_state: str | None
    channels: list[Channel]
    pending: bool  # an attempt of the page is waiting or in flight
    resends: int  # how many times the page was resent already


def load_resend(conn: Connection, args: Resend, _ctx: Context) -> ResendState | None:
    row = conn.execute(select(alert_outbox).where(alert_outbox.c.id == args.outbox_id)).one_or_none()
    if row is None:
        return None
    alert = _alert_row(conn, row.alert_id)
    if alert is None:
        return None
    page_rows = conn.execute(
        select(alert_outbox.c.state, alert_outbox.c.resend).where(
            (alert_outbox.c.alert_id == row.alert_id)
            & (alert_outbox.c.person_id == row.person_id)
            & (alert_outbox.c.level == row.level)
            & (alert_outbox.c.round == row.round)
        )
    ).all()
    return ResendState(
        row=row,
        alert=alert,
        page_state=_page_state(conn, row),
        channels=channels_of(conn, row.person_id),
        pending=any(r.state == "pending" for r in page_rows),
        resends=max((r.resend for r in page_rows), default=0),
    )


@dataclass(frozen=True)
class AlertState:
    alert: Any
    person_id: str | None
    pages: list[Any]
    # For the page of a dispatch: the person's state, so acknowledging the page acknowledges the dispatch.
    responder: PersonState | None = None


def _alert_state(conn: Connection, alert_id: str, person_id: str | None, now: datetime) -> AlertState | None:
    alert = _alert_row(conn, alert_id)
    if alert is None:
        return None
    pages = (
        conn.execute(
            select(alert_pages).where(
                (alert_pages.c.alert_id == alert_id) & (alert_pages.c.person_id == person_id)
            )
        ).all()
        if person_id
        else []
    )
    responder = None
    if person_id and alert.ask == Ask.DISPATCHED.value:
        responder = person_states(conn, [person_id], now).get(person_id)
    return AlertState(alert, person_id, list(pages), responder)


def load_ack(conn: Connection, args: Acknowledge, ctx: Context) -> AlertState | None:
    return _alert_state(conn, args.alert_id, person_of_actor(conn, ctx.actor.id), ctx.now)


def load_ack_link(conn: Connection, args: AcknowledgeByLink, ctx: Context) -> AlertState | None:
    return _alert_state(conn, args.alert_id, args.person_id, ctx.now)


@dataclass(frozen=True)
class EscalationState:
    alert: Any
    chain: Policy
    # Who each possible next level would page now (resolved from the roster at the moment it fires).
    people_at: dict[int, list[str]]


def load_escalation(conn: Connection, args: Escalate, ctx: Context) -> EscalationState | None:
    alert = _alert_row(conn, args.alert_id)
    if alert is None:
        return None
    chain = Policy.model_validate_json(alert.chain)
    people_at = {
        i: people_for(conn, alert.incident_id, level.targets, ctx.now) for i, level in enumerate(chain.levels)
    }
    return EscalationState(alert, chain, people_at)


def refuse_missing(state: object) -> None:
    if state is None:
        raise ConsoleError("alert_not_found")


__all__ = ["InvalidInput", "json"]
