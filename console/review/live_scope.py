"""督查范围 on the live screens: which unit an event belongs to, what an inspector's snapshot leaves out,
and which events change what an inspector's screens hold.

The spine knows no units: the hub groups an inspector's connections by their view and their units and
asks, through the `Domain` hooks this module fills (`unit_of`, `narrow_snapshot`, `rescopes`,
`rescoped_after`), whether an event belongs to those units. An event's unit is its incident's (its
payload's `incident_id`, else the incident, review, alerts or report stream it is written to), as the
review and report routes already judge it (console.review.queries.incident_unit); an event about no
incident (the organisation, the roster) belongs to no unit and reaches every inspector.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from ..events import RecordedEvent
from ..incidents.events import IncidentFactsAmended
from ..incidents.tables import incidents
from ..reports.tables import report_items
from ..responders.events import OrganisationImported, PlaceAdded
from ..responders.tables import org_places
from ..tables import events
from . import queries
from .events import InspectorUnitsSet

# The streams whose name carries the incident they are about.
_INCIDENT_STREAMS = ("incident-", "review-", "alerts-")
_REPORT_STREAM = "report-"
# Events after which an inspector's screens may hold an incident that is no longer theirs, or lack
# one that now is: an incident moved to another place, the organisation's places or units changed,
# an inspector given other units.
_RESCOPING = (OrganisationImported.event_type, PlaceAdded.event_type, InspectorUnitsSet.event_type)


def incident_of(conn: Connection, event: RecordedEvent) -> str | None:
    """The incident an event is about, if any."""
    named = event.data.get("incident_id")
    if isinstance(named, str) and named:
        return named
    stream = event.stream
    if stream == "review-inspectors":
        return None
    for prefix in _INCIDENT_STREAMS:
        if stream.startswith(prefix):
            return stream.removeprefix(prefix)
    if stream.startswith(_REPORT_STREAM):
        found = conn.scalar(
            select(report_items.c.incident_id).where(
                report_items.c.report_id == stream.removeprefix(_REPORT_STREAM)
            )
        )
        return str(found) if found else None
    return None


def unit_of(conn: Connection, event: RecordedEvent) -> str | None:
    """The unit an event belongs to (None: it is about no incident, every inspector may see it).

    An event about an incident this connection cannot find (not yet projected here) belongs to the
    root unit: only an inspector of the whole county gets it, never one of a township by mistake.
    """
    incident_id = incident_of(conn, event)
    if incident_id is None:
        if event.stream.startswith(_REPORT_STREAM):
            return queries.root_unit(conn) or ""  # a statistics report covers the whole county
        return None
    return queries.incident_unit(conn, incident_id) or queries.root_unit(conn) or ""


def outside(conn: Connection, units: frozenset[str]) -> frozenset[str]:
    """Every incident that belongs to none of these units."""
    # One read of the incidents and one of the places, not a lookup per incident (a snapshot serves
    # every open incident).
    places: dict[str, str] = {}
    for p in conn.execute(select(org_places.c.id, org_places.c.name, org_places.c.unit_id)):
        if p.unit_id is not None:
            places[p.id] = places[p.name] = str(p.unit_id)
    root = queries.root_unit(conn)
    rows = conn.execute(select(incidents.c.id, incidents.c.place))
    return frozenset(r.id for r in rows if places.get(r.place, root) not in units)


def _keep(item: Any, part: str, hidden: frozenset[str]) -> bool:
    if not isinstance(item, dict):
        return True
    incident_id = item.get("id") if part == "incidents" else item.get("incident_id")
    return incident_id not in hidden


def _narrow(value: Any, part: str, hidden: frozenset[str]) -> Any:
    if isinstance(value, list):
        return [_narrow(v, part, hidden) for v in value if _keep(v, part, hidden)]
    if isinstance(value, dict):
        return {k: _narrow(v, part, hidden) if isinstance(v, list) else v for k, v in value.items()}
    return value


def narrow_snapshot(conn: Connection, state: dict[str, Any], units: frozenset[str]) -> dict[str, Any]:
    """The snapshot of a view limited to these units: every row about an incident of another unit left
    out (the board's rows, notes, runs, assignments, pages), whichever domain's part holds it."""
    hidden = outside(conn, units)
    if not hidden:
        return state
    return {part: _narrow(value, part, hidden) for part, value in state.items()}


def rescopes(event: RecordedEvent) -> bool:
    """Whether this event may change which incidents an inspector's screens hold."""
    if event.type == IncidentFactsAmended.event_type:
        changes = event.data.get("changes")
        return isinstance(changes, dict) and "place" in changes
    return event.type in _RESCOPING


_AFTER = (
    select(events.c.type, events.c.payload)
    .where(
        events.c.position > bindparam("p"),
        events.c.type.in_((*_RESCOPING, IncidentFactsAmended.event_type)),
    )
    .order_by(events.c.position)
)


def rescoped_after(conn: Connection, position: int) -> bool:
    """Whether an inspector resuming after `position` must take a fresh snapshot (an event since may
    have moved an incident into or out of their units)."""
    for row in conn.execute(_AFTER, {"p": position}):
        if row.type != IncidentFactsAmended.event_type or '"place"' in row.payload:
            return True
    return False
