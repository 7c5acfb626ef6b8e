"""工作记录 (ICS-214) of an incident over HTTP: the page, JSON, CSV and PDF.

Thin: read the incident's log as the review does (in the caller's scope), the pages of its alerts and
which users are which people, run the pure `review.activity`, reply. Every entry links to the review's
replay at the instant the console recorded it, and names its log positions.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from review.activity import Activity, Entry, activity, people, to_csv
from review.activity_pdf import document, render_pdf
from review.labels import words
from review.log import fold
from review.pdf import ChainLine

from ..review import queries
from ..review.permissions import Permission
from ..review.store import IncidentLog, pages_of
from .edge import Caller, csv_download, locale_of, read, require, runtime
from .pages import shell, signed_in, templates
from .responders import _now
from .review import _chain_status, _log, printed


async def _entries(request: Request, log: IncidentLog) -> list[Entry]:
    pages = await read(request, pages_of, log.incident_id)
    persons = await read(request, queries.persons_of_users)
    return activity(
        log.incident_id, log.events, pages=pages, persons=persons, words=words(locale_of(request))
    )


def replay_link(incident_id: str, entry: Entry) -> str:
    """The review's replay at the instant the console recorded the entry (what was known then)."""
    at = entry.recorded_at.isoformat().replace("+00:00", "Z")
    return f"/incidents/{incident_id}/review?at={at}&mode=known#rv-replay-title"


def entry_json(incident_id: str, e: Entry, english: bool) -> dict[str, Any]:
    """One entry of an activity log as the API gives it (an incident's log, a person's over a period)."""
    return {
        "at": e.at.isoformat(),
        "recorded_at": e.recorded_at.isoformat(),
        "reported_late": e.reported_late,
        "activity": e.activity.value,
        "label": words("en" if english else None).activity(e.activity.value),
        "subject": e.subject,
        "place": e.place,
        "detail": e.detail,
        "positions": list(e.positions),
        "replay": replay_link(incident_id, e),
    }


def _json(incident_id: str, entries: list[Entry], english: bool) -> list[dict[str, Any]]:
    return [
        {
            "person_id": person_id,
            "name": name,
            "entries": [entry_json(incident_id, e, english) for e in rows],
        }
        for person_id, name, rows in people(entries)
    ]


async def _read_activity(request: Request) -> tuple[Caller, IncidentLog, list[Entry]]:
    caller = await require(request, Permission.REVIEW_VIEW)
    log = await _log(request, caller)
    return caller, log, await _entries(request, log)


async def activity_api(request: Request) -> Response:
    """工作记录: every person's activity at the incident, each entry with its events and replay link."""
    _caller, log, entries = await _read_activity(request)
    english = locale_of(request) == "en"
    return JSONResponse(
        {
            "ok": True,
            "incident": {"id": log.incident_id, "number": log.number},
            "people": _json(log.incident_id, entries, english),
        }
    )


async def activity_csv(request: Request) -> Response:
    _caller, log, entries = await _read_activity(request)
    w = words(locale_of(request))
    labels = {a.value: w.activity(a.value) for a in Activity}
    return csv_download(to_csv(entries, labels), f"activity-{log.number}.csv")


async def activity_pdf(request: Request) -> Response:
    """工作记录 printed (PDF): person by person, with the chain status of the review's range."""
    caller, log, entries = await _read_activity(request)
    settings = runtime(request).settings
    chain = await _chain_status(request, log)
    doc = document(
        log.number,
        entries,
        drill=fold(log.incident_id, log.events).drill,
        chain=ChainLine(chain["ok"], chain["from"], chain["to"], chain.get("head_hash")),
        generated_at=_now(request),
        generated_by=caller.user.display_name,
        tz=settings.tz,
        words=words(locale_of(request)),
    )
    return await printed(render_pdf, doc, settings, f"activity-{log.number}.pdf")


async def activity_page(request: Request) -> Response:
    caller = await signed_in(request, Permission.REVIEW_VIEW)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    log = await _log(request, caller)  # in the caller's scope (console.web.scope)
    incident_id = log.incident_id
    entries = await _entries(request, log)
    english = locale_of(request) == "en"
    ctx = shell(
        request,
        caller,
        page="review-activity",
        incident_id=incident_id,
        number=log.number,
        people=_json(incident_id, entries, english),
        count=len(entries),
    )
    return templates.TemplateResponse(request, "review_activity.html", ctx)


ROUTES = [
    Route("/incidents/{incident_id}/activity", activity_page),
    Route("/api/incidents/{incident_id}/activity", activity_api),
    Route("/api/incidents/{incident_id}/activity.csv", activity_csv),
    Route("/api/incidents/{incident_id}/activity.pdf", activity_pdf),
]
ACCESS = {
    ("GET", "/incidents/{incident_id}/activity"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/activity"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/activity.csv"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/activity.pdf"): Permission.REVIEW_VIEW,
}
