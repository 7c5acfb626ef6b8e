"""Confidential parts of an incident (seed §7): informant identity and report content.

The values live in sealed events and one projection table. No live frame, listing or export carries
them: clients learn only that a confidential part exists. A permitted user reveals them through one
endpoint, and every reveal is itself an event (借阅登记) that reviewers can list.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from ..commands import CommandArgs, Context, Decision
from ..errors import DomainError, Forbidden, NotFound
from ..events import VISIBILITY_AUDIT, EventPayload, NewEvent, event_type
from ..permissions import CONFIDENTIAL_BY_ROLE, Permission, allowed
from .model import Confidential, IncidentStatus, assigned, sealed, stream_of


class RecordConfidential(CommandArgs):
    """记录或更正举报人信息与举报内容."""

    incident_id: str = Field(min_length=1, max_length=64)
    confidential: Confidential


class AssignMember(CommandArgs):
    """指定承办人员: a person who may see the matter's confidential parts."""

    incident_id: str = Field(min_length=1, max_length=64)
    user_id: str = Field(min_length=1, max_length=64)


class RevealConfidential(CommandArgs):
    """查看 (internal): log that the actor is shown the confidential parts."""

    incident_id: str = Field(min_length=1, max_length=64)


@event_type("incident.member_unassigned")
class MemberUnassigned(EventPayload):
    incident_id: str
    user_id: str


@event_type("confidential.viewed")
class ConfidentialViewed(EventPayload):
    """借阅登记: who was shown an incident's confidential parts, and when (the event's actor and time)."""

    incident_id: str
    fields: list[str]


@dataclass(frozen=True)
class Matter:
    """What decisions about an incident's confidential parts need to know."""

    incident_id: str
    status: IncidentStatus
    members: frozenset[str]
    fields: frozenset[str]
    user_exists: bool = True
    user_roles: frozenset[str] = frozenset()


def may_reveal(roles: frozenset[str], user_id: str, members: frozenset[str]) -> bool:
    """Leaders by role; anyone else only when assigned to the incident."""
    return bool(roles & CONFIDENTIAL_BY_ROLE) or user_id in members


def _found(matter: Matter | None) -> Matter:
    if matter is None:
        raise NotFound("incident_not_found")
    return matter


def decide_record(matter: Matter | None, args: RecordConfidential, ctx: Context) -> Decision:
    current = _found(matter)
    if current.status is IncidentStatus.CLOSED:
        raise DomainError("incident_closed")
    values = args.confidential.given()
    if not values:
        raise DomainError("nothing_to_amend")
    return Decision(events=[sealed(current.incident_id, values)])


def decide_assign(matter: Matter | None, args: AssignMember, ctx: Context) -> Decision:
    current = _found(matter)
    if not current.user_exists:
        raise NotFound("user_not_found")
    if not allowed(current.user_roles, Permission.CONFIDENTIAL_REVEAL):
        # Reviewers, inspectors and administrators read the record; they do not hold matters.
        raise DomainError("cannot_be_assigned")
    if args.user_id in current.members:
        raise DomainError("already_assigned")
    return Decision(events=[assigned(current.incident_id, args.user_id)])


def decide_unassign(matter: Matter | None, args: AssignMember, ctx: Context) -> Decision:
    current = _found(matter)
    if args.user_id not in current.members:
        raise DomainError("not_assigned")
    event = MemberUnassigned(incident_id=current.incident_id, user_id=args.user_id)
    return Decision(events=[NewEvent(stream=stream_of(current.incident_id), payload=event)])


def decide_reveal(matter: Matter | None, args: RevealConfidential, ctx: Context) -> Decision:
    current = _found(matter)
    if not may_reveal(ctx.actor.roles, ctx.actor.id, current.members):
        raise Forbidden("confidential_forbidden")
    event = ConfidentialViewed(incident_id=current.incident_id, fields=sorted(current.fields))
    return Decision(
        events=[NewEvent(stream=stream_of(current.incident_id), payload=event, visibility=VISIBILITY_AUDIT)]
    )
