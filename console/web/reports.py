"""HTTP views of upward reports: an incident's reports, one report, its PDF/DOCX, and the report page."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.engine import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from alerts.links import LinkRefused, read_token
from reports.document import ReportDocument
from reports.fonts import FontsMissing
from reports.preview import NoSuchPage, page_png
from reports.render import render

from ..commands import Actor, CommandEnvelope
from ..errors import ConsoleError, DomainError, Forbidden, InvalidInput, NotFound
from ..permissions import PUBLIC
from ..reports.config import font_files, statistics_schedule
from ..reports.permissions import Permission as ReportPermission
from ..reports.queries import (
    DocumentNotFound,
    frozen_version,
    holds_confidential,
    may_read_confidential,
    report_deliveries_of,
    report_detail,
    report_document,
    reports_of_incident,
    statistics_reports,
)
from ..roles import Role
from ..settings import Settings
from . import scope
from .edge import Caller, require, runtime
from .pages import shell, signed_in, templates

MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _id(request: Request, name: str) -> str:
    value = str(request.path_params[name])
    if len(value) > 64 or not value.isprintable():
        raise NotFound("report_not_found")
    return value


# The preview renders the same document for each of its pages: keep the last few PDFs by content hash.
_PDFS: dict[str, bytes] = {}
_PDFS_KEPT = 16


async def _pdf(doc: ReportDocument, settings: Settings) -> bytes:
    """The document's PDF, rendered off the event loop (once per content, for the last few)."""
    key = doc.content_hash()
    pdf = _PDFS.get(key)
    if pdf is None:
        try:
            pdf = await asyncio.to_thread(render, doc, ".pdf", font_files(settings))
        except FontsMissing:
            raise DomainError("report_fonts_missing") from None
        while len(_PDFS) >= _PDFS_KEPT:
            _PDFS.pop(next(iter(_PDFS)))
        _PDFS[key] = pdf
    return pdf


async def list_reports(request: Request) -> Response:
    """An incident's reports, each with its stage, version and status."""
    caller = await require(request, ReportPermission.REPORT_READ)
    incident_id = _id(request, "incident_id")
    await scope.incident(request, caller, incident_id)
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(reports_of_incident, incident_id)
    return JSONResponse({"ok": True, "reports": found})


def _reveal(conn: Connection, report_id: str, caller: Caller) -> tuple[bool, bool] | None:
    """(whether the report holds approved confidential values, whether the caller may read them)."""
    held = holds_confidential(conn, report_id)
    if held is None:
        return None
    incident_id, holds = held
    user = caller.user
    return holds, may_read_confidential(conn, incident_id, user.id, frozenset(user.roles))


async def _readable(request: Request, report_id: str, caller: Caller) -> bool:
    """Whether the caller may read the report's confidential values; 404 when there is no report (or
    it is outside the caller's scope)."""
    await scope.report(request, caller, report_id)
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(_reveal, report_id, caller)
    if found is None:
        raise NotFound("report_not_found")
    return found[1]


async def _whole_document(request: Request, report_id: str, caller: Caller) -> None:
    """A rendered report is whole: one that holds confidential values goes only to who may read them."""
    await scope.report(request, caller, report_id)
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(_reveal, report_id, caller)
    if found is None:
        raise NotFound("report_not_found")
    holds, may = found
    if holds and not may:
        raise Forbidden("report_confidential_hidden")


async def _log_download(
    request: Request, caller: Caller, report_id: str, version: int | None, kind: str
) -> None:
    """Log the read in the caller's name before anything is sent (下载登记); a refusal stops it."""
    rt = runtime(request)
    args = {"report_id": report_id, "version": version, "format": kind}
    envelope = CommandEnvelope(id="download-" + uuid.uuid4().hex, name="report.log_download", args=args)
    result = await rt.service.submit(envelope, caller.user.actor, internal=True)
    if not result.ok:
        assert result.error is not None
        raise result.error


async def get_report(request: Request) -> Response:
    """One report: its fields (each naming the log positions it came from) and its versions."""
    caller = await require(request, ReportPermission.REPORT_READ)
    report_id = _id(request, "report_id")
    reveal = await _readable(request, report_id, caller)
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(report_detail, report_id, reveal)
    if found is None:
        raise NotFound("report_not_found")
    return JSONResponse({"ok": True, "report": found})


async def get_document(request: Request) -> Response:
    """The report as PDF or DOCX: the frozen document once approved, else a preview of the draft."""
    caller = await require(request, ReportPermission.REPORT_READ)
    report_id = _id(request, "report_id")
    await _whole_document(request, report_id, caller)
    kind = str(request.path_params["kind"])
    if kind not in MEDIA:
        raise NotFound("report_not_found")
    raw = request.query_params.get("version")
    if raw is not None and not (raw.isdigit() and 0 < int(raw) < 10_000):
        raise InvalidInput("invalid_command", detail="version")
    rt = runtime(request)
    async with rt.db.read.connect() as db:
        try:
            doc = await db.run_sync(
                report_document, report_id, int(raw) if raw else None, rt.settings, rt.clock.now()
            )
        except DocumentNotFound:
            raise NotFound("report_not_found") from None
    await _log_download(request, caller, report_id, doc.version, kind)
    if kind == "pdf":
        data = await _pdf(doc, rt.settings)
    else:
        data = await asyncio.to_thread(render, doc, ".docx")
    name = f"report-{report_id}-v{doc.version}.{kind}"
    headers = {"content-disposition": f'inline; filename="{name}"', "cache-control": "no-store"}
    return Response(data, media_type=MEDIA[kind], headers=headers)


async def get_preview(request: Request) -> Response:
    """One page of the report's PDF as a PNG: the live preview beside the draft."""
    caller = await require(request, ReportPermission.REPORT_READ)
    report_id = _id(request, "report_id")
    await _whole_document(request, report_id, caller)
    raw = str(request.path_params["page"])
    if not raw.isdigit() or not 0 < int(raw) < 1000:
        raise NotFound("report_not_found")
    rt = runtime(request)
    async with rt.db.read.connect() as db:
        try:
            doc = await db.run_sync(report_document, report_id, None, rt.settings, rt.clock.now())
        except DocumentNotFound:
            raise NotFound("report_not_found") from None
    if raw == "1":  # a preview is one read, however many pages it shows
        await _log_download(request, caller, report_id, doc.version, "preview")
    pdf = await _pdf(doc, rt.settings)
    try:
        png = await asyncio.to_thread(page_png, pdf, int(raw))
    except NoSuchPage:
        raise NotFound("report_not_found") from None
    return Response(png, media_type="image/png", headers={"cache-control": "no-store"})


async def report_page(request: Request) -> Response:
    """报告: the draft's fields beside a live preview of the PDF; submit, return, approve, send."""
    caller = await signed_in(request, ReportPermission.REPORT_READ)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    report_id = _id(request, "report_id")
    reveal = await _readable(request, report_id, caller)
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(report_detail, report_id, reveal)
    if found is None:
        raise NotFound("report_not_found")
    ctx = shell(request, caller, page="report", report=found, boot={"report": found})
    return templates.TemplateResponse(request, "report.html", ctx)


async def incident_reports_page(request: Request) -> Response:
    """An incident's reports, and drafting a new one: the link the room gives."""
    caller = await signed_in(request, ReportPermission.REPORT_READ)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    incident_id = _id(request, "incident_id")
    await scope.incident(request, caller, incident_id)
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(reports_of_incident, incident_id)
    ctx = shell(
        request,
        caller,
        page="report",
        report=None,
        incident_id=incident_id,
        reports=found,
        boot={"report": None, "incident_id": incident_id, "reports": found},
    )
    return templates.TemplateResponse(request, "report.html", ctx)


async def list_statistics(request: Request) -> Response:
    """统计报告: every periodic statistics report, newest first, each with its period and status."""
    caller = await require(request, ReportPermission.REPORT_READ)
    found = await _statistics(request, caller)
    return JSONResponse({"ok": True, "reports": found})


def _statistics_list(request: Request) -> Callable[[Connection], list[dict[str, Any]]]:
    """The statistics list as of now, with the office's day to send each by."""
    rt = runtime(request)
    days = statistics_schedule(rt.settings).send_days
    return partial(statistics_reports, now=rt.clock.now(), tz=rt.settings.tz, send_days=days)


async def _statistics(request: Request, caller: Caller) -> list[dict[str, Any]]:
    """The statistics reports the caller sees: they cover the whole county (an inspector of a township
    sees none)."""
    if not await scope.county(request, caller):
        return []
    async with runtime(request).db.read.connect() as db:
        found: list[dict[str, Any]] = await db.run_sync(_statistics_list(request))
    return found


def last_month(request: Request) -> str:
    """The period an office drafts most often: the month before this one, in its dates (2026-11)."""
    rt = runtime(request)
    local = rt.clock.now().astimezone(rt.settings.tz)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


async def statistics_page(request: Request) -> Response:
    """统计报告: the periodic statistics reports, and drafting one for a month or a quarter."""
    caller = await signed_in(request, ReportPermission.REPORT_READ)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    found = await _statistics(request, caller)
    suggested = last_month(request)
    ctx = shell(
        request,
        caller,
        page="statistics",
        report=None,
        statistics=found,
        suggested=suggested,
        boot={"report": None, "statistics": found},
    )
    return templates.TemplateResponse(request, "report.html", ctx)


class LinkGone(ConsoleError):
    status = 410


async def list_deliveries(request: Request) -> Response:
    """报送记录: every attempt to every recipient office of a report, and the receipts confirmed by phone."""
    caller = await require(request, ReportPermission.REPORT_READ)
    report_id = _id(request, "report_id")
    await scope.report(request, caller, report_id)
    async with runtime(request).db.read.connect() as db:
        found = await db.run_sync(report_deliveries_of, report_id)
    if found is None:
        raise NotFound("report_not_found")
    return JSONResponse({"ok": True, **found})


async def link_download(request: Request) -> Response:
    """The frozen PDF a content-free notice links to: the signed, expiring token is the only key."""
    rt = runtime(request)
    token = str(request.path_params["token"])
    if len(token) > 400:
        raise InvalidInput("link_invalid")
    try:
        claim = read_token(rt.settings.secret_key, token, rt.clock.now())
    except LinkRefused as exc:
        if exc.code == "link_expired":
            raise LinkGone("link_expired") from None
        raise InvalidInput("link_invalid") from None
    report_id, _, version = claim.alert_id.rpartition("-v")
    if not report_id or not version.isdigit():
        raise InvalidInput("link_invalid")
    async with rt.db.read.connect() as db:
        doc = await db.run_sync(frozen_version, report_id, int(version), claim.person_id)
    if doc is None:  # the version was never sent to that office
        raise NotFound("report_not_found")
    # Logged in the office's name (下载登记), like any read of a report.
    reader = Actor(
        id="report-link", name=f"{claim.person_id}（下载链接）", roles=frozenset({Role.DUTY_OFFICER})
    )
    args = {"report_id": report_id, "version": int(version), "format": "pdf"}
    envelope = CommandEnvelope(id="download-" + uuid.uuid4().hex, name="report.log_download", args=args)
    result = await rt.service.submit(envelope, reader, internal=True)
    if not result.ok:
        assert result.error is not None
        raise result.error
    data = await _pdf(doc, rt.settings)
    name = f"report-{report_id}-v{version}.pdf"
    headers = {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}
    return Response(data, media_type=MEDIA["pdf"], headers=headers)


ROUTES = [
    Route("/api/incidents/{incident_id}/reports", list_reports, methods=["GET"]),
    Route("/api/reports/{report_id}", get_report, methods=["GET"]),
    Route("/api/reports/{report_id}/document.{kind}", get_document, methods=["GET"]),
    Route("/api/reports/{report_id}/preview/{page}.png", get_preview, methods=["GET"]),
    Route("/reports/{report_id}", report_page, methods=["GET"]),
    Route("/incidents/{incident_id}/reports", incident_reports_page, methods=["GET"]),
    Route("/api/reports/{report_id}/deliveries", list_deliveries, methods=["GET"]),
    Route("/r/{token}", link_download, methods=["GET"]),
    Route("/statistics", statistics_page, methods=["GET"]),
    Route("/api/statistics", list_statistics, methods=["GET"]),
]
ACCESS = {
    ("GET", "/api/incidents/{incident_id}/reports"): ReportPermission.REPORT_READ,
    ("GET", "/api/reports/{report_id}"): ReportPermission.REPORT_READ,
    ("GET", "/api/reports/{report_id}/document.{kind}"): ReportPermission.REPORT_READ,
    ("GET", "/api/reports/{report_id}/preview/{page}.png"): ReportPermission.REPORT_READ,
    ("GET", "/reports/{report_id}"): ReportPermission.REPORT_READ,
    ("GET", "/incidents/{incident_id}/reports"): ReportPermission.REPORT_READ,
    ("GET", "/api/reports/{report_id}/deliveries"): ReportPermission.REPORT_READ,
    ("GET", "/r/{token}"): PUBLIC,
    ("GET", "/statistics"): ReportPermission.REPORT_READ,
    ("GET", "/api/statistics"): ReportPermission.REPORT_READ,
}
