"""The incident events: what the log records of an incident and of who may see its sealed parts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from alerts.policy import PinnedBook
from playbooks.facts import IncidentType
from playbooks.model import PlaybookSnapshot

from ..events import EventPayload, NewEvent, event_type
from .commands import Channel, GradingFacts, Outcome


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def stream_of(incident_id: str) -> str:
    return f"incident-{incident_id}"


@event_type("incident.registered")
class IncidentRegistered(EventPayload):
    incident_id: str
    number: str
    incident_type: IncidentType
    place: str
    head_count: int
    summary: str
    channel: Channel
    drill: bool
    started_at: str
    facts: GradingFacts | None = None
    # The playbook this incident's run follows, pinned with its content (console.runs).
    playbook: PlaybookSnapshot | None = None
    # 回避: a report about this commission's own head, marked at registration (console.incidents.recusal)
    about_commission_head: bool = False
    # The escalation policy book the incident's alerts follow, pinned with its hash (console.alerts.books).
    alert_book: PinnedBook | None = None
    pinned_fields: ClassVar[tuple[str, ...]] = ("playbook", "alert_book")

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # Clients get the playbook's name and pin, not its whole text (they read the run's view), and
        # the policy book's hash only.
        out = data
        pinned = data.get("playbook")
        if pinned:
            pb = pinned["playbook"]
            ref = {"id": pb["id"], "version": pb["version"], "content_hash": pinned["content_hash"]}
            out = {**out, "playbook": ref}
        book = data.get("alert_book")
        if book:
            out = {**out, "alert_book": {"hash": book["hash"]}}
        return out


@event_type("incident.facts_amended")
class IncidentFactsAmended(EventPayload):
    incident_id: str
    changes: dict[str, str | int]
    reason: str


@event_type("incident.about_commission_head_marked")
class AboutCommissionHeadMarked(EventPayload):
    """回避: marked as a report about this commission's own head (who and when: the event's actor and time).

    There is no event that clears it: a recusal silently undone would tell the head what was kept from him.
    """

    incident_id: str
    reason: str = ""


@event_type("incident.note_added")
class IncidentNoteAdded(EventPayload):
    incident_id: str
    note_id: str
    text: str  # with every sealed name replaced by SEALED_NAME_MARK
    names_sealed: int = 0  # how many names the writer marked or the console recognised (the names are sealed)


@event_type("incident.closed")
class IncidentClosed(EventPayload):
    incident_id: str
    outcome: Outcome
    summary: str


@event_type("incident.confidential_recorded")
class ConfidentialRecorded(EventPayload):
    incident_id: str
    values: dict[str, str | bool]
    # The values these overwrote, so the log keeps what was recorded before (sealed like the new ones).
    replaced: dict[str, str | bool] = Field(default_factory=dict)

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # Sealed: clients learn that something was recorded, never what (nor whether it is real-name).
        return {
            "incident_id": data["incident_id"],
            "fields": sorted(data["values"]),
            "replaced": sorted(data.get("replaced", ())),
        }


@event_type("incident.member_assigned")
class MemberAssigned(EventPayload):
    incident_id: str
    user_id: str


@event_type("incident.member_unassigned")
class MemberUnassigned(EventPayload):
    incident_id: str
    user_id: str


@event_type("confidential.viewed")
class ConfidentialViewed(EventPayload):
    """借阅登记: who was shown an incident's confidential parts, and when (the event's actor and time)."""

    incident_id: str
    fields: list[str]


# Confidential fields that hold people's names (、-separated): the crowd's representatives, sealed by
# run.decide (seed §7), and the organisers named in timeline notes. A note never carries them.
REPRESENTATIVES_FIELD = "representatives"
NAMED_IN_NOTES_FIELD = "named_in_notes"
SEALED_NAME_FIELDS = (REPRESENTATIVES_FIELD, NAMED_IN_NOTES_FIELD)
SEALED_NAME_MARK = "〔姓名已封存〕"


def sealed(incident_id: str, values: dict[str, Any], replaced: dict[str, Any] | None = None) -> NewEvent:
    """The event that records confidential values (never sent to clients with them)."""
    payload = ConfidentialRecorded(incident_id=incident_id, values=values, replaced=replaced or {})
    return NewEvent(stream=stream_of(incident_id), payload=payload)


def assigned(incident_id: str, user_id: str) -> NewEvent:
    return NewEvent(
        stream=stream_of(incident_id), payload=MemberAssigned(incident_id=incident_id, user_id=user_id)
    )


EVENTS: tuple[type[EventPayload], ...] = (
    IncidentRegistered,
    IncidentFactsAmended,
    AboutCommissionHeadMarked,
    IncidentNoteAdded,
    IncidentClosed,
    ConfidentialRecorded,
    MemberAssigned,
    MemberUnassigned,
    ConfidentialViewed,
)
