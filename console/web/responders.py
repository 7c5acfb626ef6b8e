"""Responders and dispatch over HTTP: the JSON and CSV the pages and integrations read, and the pages.

Thin like the rest of console.web: parse the query, run a read in console.responders.queries, reply.
Commands (dispatch, moves, roll calls, imports) go through /api/commands like every other command.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from alerts.policy_io import export_policies
from responders import io
from responders.movement_csv import activity_log_csv, figures_csv, movement_log_csv
from responders.organisation import Role, Skill
from responders.roster import on_duty
from responders.status import ResponderStatus

from ..alerts.books import imported_policies
from ..clock import EARLIEST, LATEST
from ..errors import InvalidInput, NotFound
from ..i18n import N_, gettext_for
from ..incidents import queries as incident_queries
from ..incidents.recusal import hidden_for
from ..permissions import Permission
from ..responders import queries, store
from ..responders.permissions import Permission as ResponderPermission
from . import scope
from .edge import csv_download, locale_of, read, require, runtime
from .pages import shell, signed_in, templates

MAX_ID = 64

# Texts the responders' scripts show (they hold none of their own; tests/browser/test_catalogs.py).
DISPATCH_TEXT: dict[str, str] = {
    "acknowledge": N_("Acknowledge"),
    "depart": N_("En route"),
    "arrive": N_("On scene"),
    "move_to": N_("Moved here"),
    "clear": N_("Cleared"),
    "release": N_("Release"),
    "dispatch": N_("Dispatch"),
    "no_assignment": N_("No assignment right now."),
    "not_linked": N_("Your account is not linked to a person in the organisation."),
    "destination": N_("Go to"),
    "at_place": N_("At"),
    "waiting": N_("Not acknowledged for {m} min"),
    "choose_place": N_("Choose the place…"),
    "add_place": N_("Add a new place"),
    "confirm_rollcall": N_("Confirm I am here"),
    "unconfirmed": N_("Not confirmed"),
    "overdue": N_("Overdue"),
    "nobody": N_("Nobody yet."),
    "on_behalf": N_("recorded on their behalf"),
    "choose": N_("Choose…"),
    "required": N_("Please fill this in."),
    "saved": N_("Saved."),
    "choose_file": N_("Choose a file to import."),
    "imported": N_("Imported {n} rows."),
    "not_sent": N_("Not sent: the console cannot be reached."),
    "rollcall_flagged": N_("Roll call overdue at {at}: not confirmed: {names}"),
    "list_sep": N_(", "),
}


def _id(request: Request, name: str, missing: str) -> str:
    value: str = request.path_params[name]
    if not value or len(value) > MAX_ID or not value.isprintable():
        raise NotFound(missing)  # no id looks like this
    return value


def _enum(request: Request, name: str, kind: Any) -> Any:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput("invalid_frame", detail=name) from None


def _instant(request: Request, name: str, default: datetime) -> datetime:
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("invalid_frame", detail=name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=runtime(request).settings.tz)
    if not EARLIEST <= parsed <= LATEST:
        raise InvalidInput("invalid_frame", detail=name)
    return parsed


def _lang(request: Request) -> Any:
    return "en" if locale_of(request) == "en" else "zh"


def _now(request: Request) -> datetime:
    return runtime(request).clock.now()


# --- API ---


async def roster_api(request: Request) -> Response:
    """值班表: who is on duty now, the leader on duty, swaps and overrides."""
    await require(request, Permission.BOARD_VIEW)
    data = await read(request, queries.roster_now, _now(request), locale_of(request))
    return JSONResponse({"ok": True, **data})


def _places(conn: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "unit_id": p.unit_id,
            "lat": p.lat,
            "lon": p.lon,
            "place_type": p.place_type.value,
        }
        for p in store.places(conn).values()
    ]


async def places_api(request: Request) -> Response:
    await require(request, Permission.BOARD_VIEW)
    return JSONResponse({"ok": True, "places": await read(request, _places)})


def _people(
    conn: Any, now: datetime, locale: str | None, roles: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    status, held, _located = queries.statuses(conn)
    hidden = hidden_for(conn, roles)  # 回避: what they are held on, less what the caller may not see
    # With no status recorded, someone whose shift is running is available (as dispatch decides).
    for person_id in on_duty(store.roster(conn), now):
        status.setdefault(person_id, ResponderStatus.AVAILABLE)
    return [
        {
            "id": p.id,
            "name": p.name,
            "unit_id": p.unit_id,
            "post": p.post,
            "roles": sorted(p.roles),
            "skills": sorted(p.skills),
            "status": status.get(p.id, ResponderStatus.OFF_DUTY).value,
            "status_label": queries.text_in(status.get(p.id, ResponderStatus.OFF_DUTY).label, locale),
            "incidents": [i for i in held.get(p.id, ()) if i not in hidden],
        }
        for p in store.people(conn)
    ]


async def people_api(request: Request) -> Response:
    caller = await require(request, Permission.BOARD_VIEW)
    roles = frozenset(caller.user.roles)
    people = await read(request, _people, _now(request), locale_of(request), roles)
    return JSONResponse({"ok": True, "people": people})


async def incident_responders_api(request: Request) -> Response:
    """One incident: movement board, unacknowledged dispatches, log, figures, leader arrival, roll call."""
    await require(request, Permission.BOARD_VIEW)
    incident_id = _id(request, "incident_id", "incident_not_found")
    data = await read(request, _incident_responders, incident_id, _now(request), locale_of(request))
    return JSONResponse({"ok": True, **data})


def _existing(conn: Any, incident_id: str) -> None:
    """Refuse an incident id that names no incident (404), before reading what it would have."""
    if not incident_queries.incident_exists(conn, incident_id):
        raise NotFound("incident_not_found")


def _incident_responders(conn: Any, incident_id: str, now: datetime, locale: str | None) -> dict[str, Any]:
    _existing(conn, incident_id)
    return queries.incident_responders(conn, incident_id, now, locale)


async def recommend_api(request: Request) -> Response:
    """派遣建议: whom to send, with reasons (?place_id=&role=&skill=&limit=)."""
    await require(request, Permission.BOARD_VIEW)
    incident_id = _id(request, "incident_id", "incident_not_found")
    role, skill = _enum(request, "role", Role), _enum(request, "skill", Skill)
    try:
        limit = min(50, max(1, int(request.query_params.get("limit", "8"))))
    except ValueError:
        raise InvalidInput("invalid_frame", detail="limit") from None
    place_id = request.query_params.get("place_id") or None
    # Reading the whole organisation and ranking it is thousands of rows made into objects: none of it
    # runs on the event loop, so a recommendation does not hold up the fan-out of events
    # (bench/recommend.py measures it). On SQLite all of it runs in a reader process (not even the GIL
    # is shared); on PostgreSQL the rows are read through asyncpg and ranked on a worker thread.
    db, now, locale = runtime(request).db, _now(request), locale_of(request)
    if db.is_sqlite:
        found = await db.read_in_process(
            partial(queries.recommendations, incident_id=incident_id, now=now, locale=locale,
                    place_id=place_id, role=role, skill=skill, limit=limit)
        )  # fmt: skip
    else:
        rows = await db.read_off_loop(queries.recommendation_rows, incident_id)
        found = None if rows is None else await asyncio.to_thread(
            queries.rank, rows, now, locale, place_id=place_id, role=role, skill=skill, limit=limit
        )  # fmt: skip
    if found is None:
        raise NotFound("incident_not_found")
    return JSONResponse({"ok": True, "recommendations": found})


def _movement_csv(conn: Any, incident_id: str, lang: Any) -> str:
    _existing(conn, incident_id)
    records = queries.movement_records(conn, incident_id=incident_id)
    people = {p.id: p for p in store.people(conn)}
    return movement_log_csv(records, people=people, places=store.places(conn), lang=lang)


async def movements_csv(request: Request) -> Response:
    await require(request, Permission.BOARD_VIEW)
    incident_id = _id(request, "incident_id", "incident_not_found")
    text = await read(request, _movement_csv, incident_id, _lang(request))
    return csv_download(text, f"movements-{incident_id}.csv")


def _figures_csv(conn: Any, incident_id: str, now: datetime, lang: Any) -> str:
    from responders.figures import response_figures

    _existing(conn, incident_id)
    records = queries.movement_records(conn, incident_id=incident_id)
    people = {p.id: p for p in store.people(conn)}
    return figures_csv(response_figures(records, incident_id=incident_id, now=now), people=people, lang=lang)


async def figures_csv_api(request: Request) -> Response:
    await require(request, Permission.BOARD_VIEW)
    incident_id = _id(request, "incident_id", "incident_not_found")
    text = await read(request, _figures_csv, incident_id, _now(request), _lang(request))
    return csv_download(text, f"figures-{incident_id}.csv")


async def _activity(request: Request) -> dict[str, Any]:
    caller = await require(request, Permission.BOARD_VIEW)
    person_id = _id(request, "person_id", "person_not_found")
    now = _now(request)
    end = _instant(request, "end", now + timedelta(minutes=1))
    start = _instant(request, "start", end - timedelta(days=1))
    data = await read(request, queries.person_activity, person_id, start, end, locale_of(request))
    if data is None:
        raise NotFound("person_not_found")
    result: dict[str, Any] = data
    hidden = await read(request, hidden_for, frozenset(caller.user.roles))  # 回避
    hidden |= await scope.outside(request, caller) or frozenset()  # 督查范围: other units' incidents
    if hidden:
        result["entries"] = [e for e in result["entries"] if e["incident_id"] not in hidden]
        result["_entries"] = [e for e in result["_entries"] if e.incident_id not in hidden]
    return result


async def activity_api(request: Request) -> Response:
    """活动记录 (ICS-214) of one person for a period (?start=&end=, ISO times; &format=csv)."""
    data = await _activity(request)
    entries = data.pop("_entries")
    if request.query_params.get("format") == "csv":
        text = activity_log_csv(entries, lang=_lang(request))
        return csv_download(text, f"activity-{data['person']['id']}.csv")
    return JSONResponse({"ok": True, **data})


_EXPORTS = {
    "units": lambda conn, fmt: io.export_units(store.units(conn), fmt),
    "people": lambda conn, fmt: io.export_people(store.people(conn), fmt),
    "places": lambda conn, fmt: io.export_places(store.places(conn).values(), fmt),
    "shifts": lambda conn, fmt: io.export_shifts(store.roster(conn).shifts, fmt),
    "policies": lambda conn, _fmt: export_policies(imported_policies(conn)),
}


async def export_api(request: Request) -> Response:
    """导出: units, people, places or shifts as CSV or YAML, policies as YAML (?table=&format=)."""
    await require(request, ResponderPermission.ORG_MANAGE)
    table = request.query_params.get("table", "")
    fmt = _enum(request, "format", io.Format) or io.Format.CSV
    if table == "policies":
        fmt = io.Format.YAML  # a policy nests: YAML only
    if table not in _EXPORTS:
        raise InvalidInput("invalid_frame", detail="table")
    text = await read(request, _EXPORTS[table], fmt)
    if fmt is io.Format.CSV:
        return csv_download(text, f"{table}.csv")
    return Response(text, media_type="application/yaml; charset=utf-8")


def _mine(conn: Any, user_id: str) -> dict[str, Any]:
    person = queries.person_of_user(conn, user_id)
    if person is None:
        return {"person": None, "assignments": []}
    return {"person": person, "assignments": queries.my_assignments(conn, person["id"])}


async def my_assignments_api(request: Request) -> Response:
    """我的任务: the signed-in responder's open assignments."""
    caller = await require(request, Permission.BOARD_VIEW)
    return JSONResponse({"ok": True, **await read(request, _mine, caller.user.id)})


# --- pages ---


def _skill_options(locale: str | None) -> list[tuple[str, str]]:
    return [(s.value, queries.text_in(s.label, locale)) for s in Skill]


# The room's dispatch panel (templates/_dispatch_panel.html) lists the skills without the room handler's help.
templates.env.globals["responder_skills"] = _skill_options
templates.env.globals["dispatch_text"] = lambda locale: {
    k: gettext_for(locale)(v) for k, v in DISPATCH_TEXT.items()
}


async def _page(request: Request, template: str, page: str, **extra: Any) -> Response:
    caller = await signed_in(request)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    boot = extra.pop("boot", {})
    gettext = gettext_for(locale_of(request))
    dtext = {k: gettext(v) for k, v in DISPATCH_TEXT.items()}
    ctx = shell(request, caller, page=page, boot={"dtext": dtext, **boot}, **extra)
    return templates.TemplateResponse(request, template, ctx)


async def responder_page(request: Request) -> Response:
    """我的任务 (phone): acknowledge → en route → on scene (choose or add a place) → cleared."""
    caller = await signed_in(request)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    return await _page(request, "responder.html", "responder")


async def roster_page(request: Request) -> Response:
    """值班表: who is on duty now and the leader on duty."""
    return await _page(request, "roster.html", "roster")


async def movements_page(request: Request) -> Response:
    """人员动态: the incident's movement board, full movement log, figures and leader arrival."""
    caller = await signed_in(request)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    incident_id = _id(request, "incident_id", "incident_not_found")
    async with runtime(request).db.read.connect() as db:
        number = (await db.run_sync(incident_queries.incident_numbers)).get(incident_id)
    if number is None:
        raise NotFound("incident_not_found")
    return await _page(
        request, "movements.html", "movements", incident={"id": incident_id, "number": number},
        boot={"incident_id": incident_id},
    )  # fmt: skip


async def activity_page(request: Request) -> Response:
    """活动记录 (ICS-214) of one person, with the period to show."""
    caller = await signed_in(request)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    data = await _activity(request)
    data.pop("_entries")
    return await _page(request, "activity.html", "activity", activity=data, query=str(request.url.query))


ROUTES = [
    Route("/responder", responder_page),
    Route("/roster", roster_page),
    Route("/incidents/{incident_id}/movements", movements_page),
    Route("/people/{person_id}/activity", activity_page),
    Route("/api/roster", roster_api),
    Route("/api/places", places_api),
    Route("/api/responders", people_api),
    Route("/api/responders/me", my_assignments_api),
    Route("/api/incidents/{incident_id}/responders", incident_responders_api),
    Route("/api/incidents/{incident_id}/recommend", recommend_api),
    Route("/api/incidents/{incident_id}/movements.csv", movements_csv),
    Route("/api/incidents/{incident_id}/figures.csv", figures_csv_api),
    Route("/api/people/{person_id}/activity", activity_api),
    Route("/api/org/export", export_api),
]
ACCESS = {
    ("GET", "/responder"): Permission.BOARD_VIEW,
    ("GET", "/roster"): Permission.BOARD_VIEW,
    ("GET", "/incidents/{incident_id}/movements"): Permission.BOARD_VIEW,
    ("GET", "/people/{person_id}/activity"): Permission.BOARD_VIEW,
    ("GET", "/api/roster"): Permission.BOARD_VIEW,
    ("GET", "/api/places"): Permission.BOARD_VIEW,
    ("GET", "/api/responders"): Permission.BOARD_VIEW,
    ("GET", "/api/responders/me"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/responders"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/recommend"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/movements.csv"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/figures.csv"): Permission.BOARD_VIEW,
    ("GET", "/api/people/{person_id}/activity"): Permission.BOARD_VIEW,
    ("GET", "/api/org/export"): ResponderPermission.ORG_MANAGE,
}
