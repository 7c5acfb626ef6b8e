"""The review (复盘) over HTTP: the page, the compliance table (JSON and CSV), replay, and the bundle.

Thin like the rest of console.web: parse, run a read in console.review (store/queries) and the pure
cores in `review`, reply. Findings and actions are commands through /api/commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from playbooks.config import thresholds
from reports.fonts import FontFiles, FontsMissing
from responders.status import ResponderStatus
from review.bundle import ChainEntry, build, verify
from review.compliance import Kind, Page, Row, compliance, to_csv
from review.labels import ROLE_NAMES, Words, words
from review.log import IncidentRecord, covered, fold, review_end
from review.pdf import ActionLine, ChainLine, FindingLine, document, item_label, reason_text, render_pdf
from review.replay import Mode, replay
from review.timeline import lane_entries, render

from ..errors import DomainError, InvalidInput, NotFound
from ..i18n import N_, gettext_for
from ..reports.config import font_files
from ..review import queries
from ..review.export import ExportError, export_bundle
from ..review.permissions import Permission
from ..review.queries import place_names
from ..review.store import IncidentLog, chain_from, incident_by_id, incident_log, pages_of
from ..settings import Settings
from . import scope
from .edge import Caller, csv_download, locale_of, read, require, runtime
from .labels import RESPONSE_ROLES
from .pages import shell, signed_in, templates
from .responders import _id, _instant, _now

# Texts the review script shows (it holds none of its own).
REVIEW_TEXT: dict[str, str] = {
    "on_time": N_("On time"),
    "late": N_("Done late"),
    "overdue": N_("Not done"),
    "pending": N_("Not yet due"),
    "skipped": N_("Skipped"),
    "released": N_("Released"),
    "blocked": N_("Blocked"),
    "not_applicable": N_("Not applicable"),
    "no_deadline": N_("No deadline"),
    "done": N_("Done"),
    "done_late": N_("Done late"),
    "open": N_("Open"),
    "reported_late": N_("reported {m} min late"),
    "unknown_then": N_("not known at this time"),
    "nobody": N_("Nobody named"),
    "saved": N_("Saved."),
    "not_sent": N_("Not sent: the console cannot be reached."),
    "event_of": N_("event {n} of {total}"),
}

D = TypeVar("D")  # a document a review prints (履职情况, 工作记录)


async def _log(request: Request, caller: Caller) -> IncidentLog:
    incident_id = _id(request, "incident_id", "incident_not_found")
    await scope.incident(request, caller, incident_id)
    async with runtime(request).db.read.connect() as conn:
        found = await incident_by_id(conn, incident_id)
        if found is None:
            raise NotFound("incident_not_found")
        return await incident_log(conn, *found)


async def _rows(
    request: Request, log: IncidentLog, now: datetime, pages: list[Page] | None = None
) -> list[Row]:
    if pages is None:
        pages = await read(request, pages_of, log.incident_id)
    settings = runtime(request).settings
    return compliance(log.incident_id, log.events, now, thresholds=thresholds(settings), pages=pages)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _names(request: Request, record: IncidentRecord) -> dict[str, dict[str, str]]:
    """What the page calls steps, places, statuses, roles and duty kinds, in the reader's language."""
    english = locale_of(request) == "en"
    gettext = gettext_for(locale_of(request))
    w = words(locale_of(request))
    snapshot = record.snapshot
    steps = (
        {s.id: (s.title.en if english else s.title.zh) for s in snapshot.playbook.steps} if snapshot else {}
    )
    statuses = {s.value: (t.en if english else t.zh) for s, t in ResponderStatus.labels().items()}
    # the review's own names of roles and asks, then the console's catalogue of response roles
    roles = {k: w.pick(v) for k, v in ROLE_NAMES.items()} | {k: gettext(v) for k, v in RESPONSE_ROLES.items()}
    kinds = {k.value: w.kind(k) for k in Kind}
    return {"steps": steps, "statuses": statuses, "roles": roles, "kinds": kinds}


def _row_json(r: Row, record: IncidentRecord, w: Words) -> dict[str, Any]:
    return {
        "kind": r.kind.value,
        "item": r.item,
        "label": item_label(record, r, ids=False, words=w),
        "role": r.role,
        "due_at": _iso(r.due_at),
        "done_at": _iso(r.done_at),
        "done_by": r.done_by.name if r.done_by else None,
        "outcome": r.outcome.value,
        "minutes_late": round(r.late_by / timedelta(minutes=1), 1) if r.late_by is not None else None,
        "holder": asdict(r.holder) if r.holder else None,
        "reason": reason_text(r, w),
        "positions": list(r.positions),
    }


async def _chain_status(request: Request, log: IncidentLog) -> dict[str, Any]:
    """Whether the chain holds over the range the review covers: every hash recomputed, every link."""
    own = [e for e in log.events if "incident_id" in e.data]
    if not own:
        return {"ok": True, "from": None, "to": None, "checked": 0}
    first = own[0].position
    async with runtime(request).db.read.connect() as conn:
        chain = await chain_from(conn, first)
    events = [e for e in log.events if e.position >= first]
    files = build(
        incident_id=log.incident_id,
        number=log.number,
        events=events,
        withheld={},
        chain=chain or [ChainEntry(0, "", "")],
        exported_at=_now(request),
        exported_by="",
    )
    verdict = verify(files)
    return {
        "ok": verdict.ok,
        "from": first,
        "to": chain[-1].position if chain else None,
        "checked": len(events),
        "head_hash": chain[-1].hash if chain else None,
        "fault": None if verdict.ok else verdict.reason,
    }


async def review_api(request: Request) -> Response:
    """复盘: the compliance table, findings and actions, and the chain status of the incident's range."""
    caller = await require(request, Permission.REVIEW_VIEW)
    log = await _log(request, caller)
    now = _now(request)
    rows = await _rows(request, log, now)
    record = fold(log.incident_id, log.events)
    findings = await read(request, queries.findings_of, log.incident_id, now)
    return JSONResponse(
        {
            "incident": {"id": log.incident_id, "number": log.number},
            "now": now.isoformat(),
            "compliance": [_row_json(r, record, words(locale_of(request))) for r in rows],
            "names": _names(request, record) | {"places": await read(request, place_names)},
            "findings": findings,
            "chain": await _chain_status(request, log),
            "span": _span(log),
        }
    )


def _span(log: IncidentLog) -> dict[str, Any]:
    # what the console's timers did after the incident closed, and the review's own findings, are
    # not part of the incident: they do not stretch the range (review.log.covered)
    own = covered(log.incident_id, log.events)
    known = sorted({e.recorded_at for e in own})
    happened = sorted({e.occurred_at for e in own})
    stamps = sorted(set(known) | set(happened))
    # the slider moves from instant to instant (a time scale would crush minutes against the months
    # after, when a reminder still fires); the step buttons move to the next event of the mode shown
    return {
        "from": stamps[0] if stamps else None,
        "to": stamps[-1] if stamps else None,
        "instants": stamps,
        "events": {"known": known, "happened": happened},
    }


async def compliance_csv(request: Request) -> Response:
    caller = await require(request, Permission.REVIEW_VIEW)
    log = await _log(request, caller)
    return csv_download(to_csv(await _rows(request, log, _now(request))), f"compliance-{log.number}.csv")


async def compliance_pdf(request: Request) -> Response:
    """履职情况报告: the compliance table, the chain status and the findings, printable (PDF)."""
    caller = await require(request, Permission.REVIEW_VIEW)
    log = await _log(request, caller)
    now = _now(request)
    settings = runtime(request).settings
    chain = await _chain_status(request, log)
    findings = await read(request, queries.findings_of, log.incident_id, now)
    w = words(locale_of(request))
    lines = [
        FindingLine(
            f["text"],
            f["added_by"],
            tuple(
                ActionLine(
                    a["text"],
                    a["owner"],
                    a["due_at"][:16].replace("T", " "),
                    w.action_status(a["status"]),
                )
                for a in f["actions"]
            ),
        )
        for f in findings
    ]
    doc = document(
        fold(log.incident_id, log.events),
        await _rows(request, log, now),
        chain=ChainLine(chain["ok"], chain["from"], chain["to"], chain.get("head_hash")),
        findings=lines,
        generated_at=now,
        generated_by=caller.user.display_name,
        tz=settings.tz,
        words=w,
    )
    return await printed(render_pdf, doc, settings, f"compliance-{log.number}.pdf")


async def printed(
    render: Callable[[D, FontFiles], bytes], doc: D, settings: Settings, filename: str
) -> Response:
    """A review document as a PDF download, laid out off the event loop (WeasyPrint takes seconds)."""
    try:
        pdf = await asyncio.to_thread(render, doc, font_files(settings))
    except FontsMissing:
        raise DomainError("report_fonts_missing") from None
    headers = {"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)


async def replay_api(request: Request) -> Response:
    """回放: the incident at `at` (ISO), by what was known then (`mode=known`) or what happened then."""
    caller = await require(request, Permission.REVIEW_VIEW)
    log = await _log(request, caller)
    at = _instant(request, "at", _now(request))
    try:
        mode = Mode(request.query_params.get("mode", Mode.KNOWN.value))
    except ValueError:
        raise InvalidInput("invalid_frame", detail="mode") from None
    state = replay(log.incident_id, log.events, at, mode, thresholds=thresholds(runtime(request).settings))

    def late(x: Any) -> dict[str, Any] | None:
        if x is None:
            return None
        return {
            "minutes": round(x.late_by / timedelta(minutes=1), 1),
            "known_then": x.known_then,
            "position": x.position,
        }

    return JSONResponse(
        {
            "at": at.isoformat(),
            "mode": mode.value,
            "level": state.level,
            "closed": state.closed,
            "facts": state.facts.model_dump(mode="json") if state.facts else None,
            "steps": [
                {"step_id": s.step_id, "role": s.role, "status": s.status, "due_at": _iso(s.due_at),
                 "resolved_at": _iso(s.resolved_at), "late_report": late(s.late_report)}
                for s in state.steps
            ],
            "people": [
                {"person_id": p.person_id, "name": p.name, "status": p.status, "place_id": p.place_id,
                 "role": p.role, "since": p.since.isoformat(), "late_report": late(p.late_report)}
                for p in state.people
            ],
            "late_reports": [late(x) for x in state.late_reports],
            "last_position": state.last_position,
            "event_count": state.event_count,
        }
    )  # fmt: skip


async def timeline_svg(request: Request) -> Response:
    """时间轴: lanes per person, per step with its deadline, per page and per report, drawn on the
    server."""
    caller = await require(request, Permission.REVIEW_VIEW)
    log = await _log(request, caller)
    now = _now(request)
    record = fold(log.incident_id, log.events)
    english = locale_of(request) == "en"
    labels: dict[str, str] = {
        s.value: (t.en if english else t.zh) for s, t in ResponderStatus.labels().items()
    }
    if record.snapshot is not None:
        playbook = record.snapshot.playbook
        labels |= {s.id: (s.title.en if english else s.title.zh) for s in playbook.steps}
        labels |= {f"obligation:{r.id}": (r.title.en if english else r.title.zh) for r in playbook.reports}
    labels |= {f"place:{k}": v for k, v in (await read(request, place_names)).items()}
    labels["title"] = gettext_for(locale_of(request))("Timeline")
    w = words(locale_of(request))
    end = review_end(log.incident_id, log.events, now)  # closed: where the response ended
    pages = await read(request, pages_of, log.incident_id)
    entries = lane_entries(log.incident_id, log.events, pages, w)  # the 工作记录's pages and reports
    rows = await _rows(request, log, now, pages)
    tz = runtime(request).settings.tz
    svg = render(record, rows, end, labels, tz, pages=pages, entries=entries, words=w)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


async def bundle_api(request: Request) -> Response:
    """督查导出包: the incident's verifiable bundle (confidential values left out)."""
    caller = await require(request, Permission.REVIEW_VIEW)
    log = await _log(request, caller)
    rt = runtime(request)
    try:
        data = await export_bundle(
            rt.db, rt.registry, rt.settings, log.number, _now(request), caller.user.username
        )
    except ExportError as exc:
        raise NotFound("incident_not_found") from exc
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="bundle-{log.number}.zip"'},
    )


async def review_page(request: Request) -> Response:
    caller = await signed_in(request, Permission.REVIEW_VIEW)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    incident_id = _id(request, "incident_id", "incident_not_found")
    await scope.incident(request, caller, incident_id)
    gettext = gettext_for(locale_of(request))
    rtext = {k: gettext(v) for k, v in REVIEW_TEXT.items()}
    ctx = shell(
        request,
        caller,
        page="review",
        incident_id=incident_id,
        boot={"incident_id": incident_id, "rtext": rtext},
    )
    return templates.TemplateResponse(request, "review.html", ctx)


ROUTES = [
    Route("/incidents/{incident_id}/review", review_page),
    Route("/api/incidents/{incident_id}/review", review_api),
    Route("/api/incidents/{incident_id}/compliance.csv", compliance_csv),
    Route("/api/incidents/{incident_id}/compliance.pdf", compliance_pdf),
    Route("/api/incidents/{incident_id}/replay", replay_api),
    Route("/api/incidents/{incident_id}/bundle.zip", bundle_api),
    Route("/api/incidents/{incident_id}/timeline.svg", timeline_svg),
]
ACCESS = {
    ("GET", "/incidents/{incident_id}/review"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/review"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/compliance.csv"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/compliance.pdf"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/replay"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/bundle.zip"): Permission.REVIEW_VIEW,
    ("GET", "/api/incidents/{incident_id}/timeline.svg"): Permission.REVIEW_VIEW,
}
