"""A person's own 工作记录 (ICS-214) over a period, across the incidents of that period: moves, pages,
steps, decisions and report versions, each entry naming its incident and linking into its replay.

Thin, like the summary: the period's real incidents (drills never count) that name the person
(console.review.involvement_store: the projection of who each incident's events name) and that the
caller may see, each one's log read as the review reads it and run through the pure `review.activity`.
The logs of incidents the person had no part in are never read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from review.activity import Activity, Entry, of_person, to_csv
from review.labels import words

from ..errors import NotFound
from ..review import queries
from ..review.involvement_store import incidents_of_person
from ..review.permissions import Permission
from ..review.store import incident_log
from . import scope
from .edge import Caller, csv_download, locale_of, read, require, runtime
from .pages import shell, signed_in, templates
from .responders import _id
from .review_activity import _entries, entry_json
from .review_summary import _period


async def _person_activity(
    request: Request, caller: Caller
) -> tuple[str, str, datetime, datetime, list[tuple[str, str, Entry]]]:
    """(person id, name, start, end, [(incident id, number, entry)]) in the order it happened."""
    person_id = _id(request, "person_id", "person_not_found")
    name = await read(request, queries.person_name, person_id)
    if name is None:
        raise NotFound("person_not_found")
    start, end = _period(request)
    seen = await scope.units(request, caller)
    found: list[tuple[str, str, Entry]] = []
    persons = await read(request, queries.persons_of_users)
    users = [user for user, person in persons.items() if person == person_id]
    theirs = await read(request, incidents_of_person, person_id, users, start, end)
    for incident_id, number, _opened in theirs:
        if seen is not None and await read(request, queries.incident_unit, incident_id) not in seen:
            continue
        async with runtime(request).db.read.connect() as conn:
            log = await incident_log(conn, incident_id, number)
        for entry in of_person(await _entries(request, log), person_id, start, end):
            found.append((incident_id, number, entry))
    found.sort(key=lambda x: (x[2].at, x[1]))
    return person_id, name, start, end, found


def _json(found: list[tuple[str, str, Entry]], english: bool) -> list[dict[str, Any]]:
    return [
        {"incident_id": incident_id, "number": number, **entry_json(incident_id, e, english)}
        for incident_id, number, e in found
    ]


async def person_activity_api(request: Request) -> Response:
    """A person's activity at the period's incidents (?from&to, default this year to now)."""
    caller = await require(request, Permission.REVIEW_VIEW)
    person_id, name, start, end, found = await _person_activity(request, caller)
    return JSONResponse(
        {
            "ok": True,
            "person": {"id": person_id, "name": name},
            "from": start.isoformat(),
            "to": end.isoformat(),
            "entries": _json(found, locale_of(request) == "en"),
        }
    )


async def person_activity_csv(request: Request) -> Response:
    caller = await require(request, Permission.REVIEW_VIEW)
    person_id, _name, _start, _end, found = await _person_activity(request, caller)
    w = words(locale_of(request))
    labels = {a.value: w.activity(a.value) for a in Activity}
    text = to_csv([e for _i, _n, e in found], labels, incidents=[n for _i, n, _e in found])
    return csv_download(text, f"activity-{person_id}.csv")


async def person_activity_page(request: Request) -> Response:
    caller = await signed_in(request, Permission.REVIEW_VIEW)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    person_id, name, start, end, found = await _person_activity(request, caller)
    tz = runtime(request).settings.tz
    ctx = shell(
        request,
        caller,
        page="review-person",
        person={"id": person_id, "name": name},
        entries=_json(found, locale_of(request) == "en"),
        start=start.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        end=end.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        query=request.url.query,
    )
    return templates.TemplateResponse(request, "review_person.html", ctx)


ROUTES = [
    Route("/review/people/{person_id}/activity", person_activity_page),
    Route("/api/review/people/{person_id}/activity", person_activity_api),
    Route("/api/review/people/{person_id}/activity.csv", person_activity_csv),
]
ACCESS = {
    ("GET", "/review/people/{person_id}/activity"): Permission.REVIEW_VIEW,
    ("GET", "/api/review/people/{person_id}/activity"): Permission.REVIEW_VIEW,
    ("GET", "/api/review/people/{person_id}/activity.csv"): Permission.REVIEW_VIEW,
}
