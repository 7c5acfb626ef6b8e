"""The review's events: findings and follow-up actions, in one stream per incident."""

from __future__ import annotations

from ..events import EventPayload, event_type


def review_stream(incident_id: str) -> str:
    return f"review-{incident_id}"


@event_type("review.finding_added")
class FindingAdded(EventPayload):
    incident_id: str
    finding_id: str
    text: str


@event_type("review.action_added")
class ActionAdded(EventPayload):
    incident_id: str
    action_id: str
    finding_id: str
    text: str
    owner: str
    due_at: str


@event_type("review.action_completed")
class ActionCompleted(EventPayload):
    incident_id: str
    action_id: str
    note: str = ""


INSPECTORS_STREAM = "review-inspectors"


@event_type("review.inspector_units_set")
class InspectorUnitsSet(EventPayload):
    """督查范围: the units this inspector oversees from now on (replacing what they oversaw)."""

    username: str
    unit_ids: list[str]


EVENTS: tuple[type[EventPayload], ...] = (FindingAdded, ActionAdded, ActionCompleted, InspectorUnitsSet)
