"""Alerts over HTTP: the signed acknowledge link (a phone-size page, no sign-in, for that one act), the
delivery log as JSON, CSV and a page, a person's open pages and channels.

Thin like the rest of console.web: reads go to console.alerts.queries, acknowledgements are commands.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from alerts.adapter import send
from alerts.channels import IN_APP
from alerts.links import LinkRefused, read_token
from alerts.message import AlertFacts, Ask, ask_text, compose, level_text
from alerts.reasons import explain

from ..alerts import queries
from ..alerts.permissions import Permission as AlertPermission
from ..alerts.store import person_of_actor
from ..clock import parse_iso
from ..commands import Actor, CommandEnvelope
from ..errors import Forbidden, NotFound
from ..i18n import N_, translate
from ..permissions import PUBLIC, Permission
from ..roles import Role
from .edge import CSRF_HEADER, csrf_ok, csv_download, locale_of, messages_of, read, require, runtime
from .pages import _context, shell, signed_in, templates

MAX_ID = 64
MAX_TOKEN = 400
# 限流: tries of acknowledge links per client address and minute (a forged link costs a try too).
LINK_TRIES_PER_MINUTE = 10

# Texts of the in-app page banner (static/js/pages_alerts.js), handed to it translated by the page.
IN_APP_TEXT = {
    "title": N_("Page"),
    "ack": N_("I have received it"),
    "level": N_("Level"),
    "drill": N_("[Drill]"),
}

# What the delivery log page calls each state, channel kind and acknowledgement route (never the code).
LOG_STATES = {
    "pending": N_("Waiting to send"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
    "cancelled": N_("Not sent (acknowledged or ended)"),
}
LOG_KINDS = {
    "in_app": N_("In the console"),
    "dingtalk": N_("DingTalk"),
    "wecom": N_("WeCom"),
    "feishu": N_("Feishu"),
    "email": N_("E-mail"),
    "webhook": N_("SMS / voice gateway or webhook"),
    "other": N_("Other channel"),
}
LOG_ROUTES = {
    "console": N_("in the console"),
    "link": N_("through the link"),
    "dispatch": N_("with the dispatch"),
}

PAGE_TEXT = {
    "title": N_("Acknowledge the alert"),
    "button": N_("I have received it"),
    "done": N_("Acknowledged. Thank you."),
    "log": N_("Delivery log"),
}


def _id(request: Request, name: str, missing: str) -> str:
    value: str = request.path_params[name]
    if not value or len(value) > MAX_ID or not value.isprintable():
        raise NotFound(missing)
    return value


# --- the signed link ---


class _Throttle:
    """Tries per client address in the last minute (per process: the link is for one phone's thumb)."""

    def __init__(self) -> None:
        self.tries: dict[str, deque[float]] = {}

    def allow(self, who: str) -> bool:
        now = time.monotonic()
        seen = self.tries.setdefault(who, deque())
        while seen and seen[0] < now - 60:
            seen.popleft()
        if len(seen) >= LINK_TRIES_PER_MINUTE:
            return False
        seen.append(now)
        if len(self.tries) > 10_000:  # forget quiet addresses rather than grow without bound
            self.tries = {k: v for k, v in self.tries.items() if v}
        return True


def _throttle(request: Request) -> _Throttle:
    state = request.app.state
    if not hasattr(state, "alert_link_throttle"):
        state.alert_link_throttle = _Throttle()
    throttle: _Throttle = state.alert_link_throttle
    return throttle


def _link_page(request: Request, *, status: int = 200, message: str = "", done: bool = False) -> Response:
    token = request.path_params.get("token", "")
    context = _context(request, page="alert-ack", token=token, message=message, done=done, text=PAGE_TEXT)
    return templates.TemplateResponse(request, "alerts_ack.html", context, status_code=status)


def _refusal(request: Request, code: str, status: int) -> Response:
    return _link_page(
        request, status=status, message=translate(code, locale_of(request), messages_of(request))
    )


async def ack_link_page(request: Request) -> Response:
    """The page a recipient opens from the message: one button (opening it acknowledges nothing, so a
    mail scanner following links cannot acknowledge for them)."""
    token = request.path_params["token"]
    if len(token) > MAX_TOKEN:
        return _refusal(request, "link_invalid", 400)
    try:
        read_token(runtime(request).settings.secret_key, token, runtime(request).clock.now())
    except LinkRefused as exc:
        return _refusal(request, exc.code, 400 if exc.code == "link_invalid" else 410)
    return _link_page(request)


async def ack_link_submit(request: Request) -> Response:
    """确认收到 through the link: verified, rate-limited, single-use (the command id is the token's)."""
    rt = runtime(request)
    client = request.client.host if request.client else "?"
    if not _throttle(request).allow(client):
        return _refusal(request, "too_many_tries", 429)
    token = request.path_params["token"]
    if len(token) > MAX_TOKEN:
        return _refusal(request, "link_invalid", 400)
    try:
        claim = read_token(rt.settings.secret_key, token, rt.clock.now())
    except LinkRefused as exc:
        return _refusal(request, exc.code, 400 if exc.code == "link_invalid" else 410)
    envelope = CommandEnvelope(
        id="alert-link-" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:40],
        name="alert.acknowledge_link",
        args={"alert_id": claim.alert_id, "person_id": claim.person_id, "via": claim.via[:20]},
    )
    actor = Actor(id="alert-link", name="确认链接", roles=frozenset({Role.DUTY_OFFICER.value}))
    result = await rt.service.submit(envelope, actor, internal=True)
    if result.ok and result.duplicate:
        return _refusal(request, "link_used", 409)
    if not result.ok:
        assert result.error is not None
        code = "link_used" if result.error.code == "already_acknowledged" else result.error.code
        return _refusal(request, code, result.error.status if code != "link_used" else 409)
    return _link_page(request, done=True)


# --- the delivery log, pages and channels ---


def _held_local(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with `held_until_local`: the HH:MM (the office's time) an attempt held by quiet hours
    waits for, '' when it was not held; and a failed one's `reason_text`: what its reason means, in the
    reader's language (the reason itself is apprise's English line)."""
    tz = runtime(request).settings.tz
    en = locale_of(request) == "en"
    for row in rows:
        held = row.get("held_until")
        row["held_until_local"] = parse_iso(held).astimezone(tz).strftime("%H:%M") if held else ""
        meaning = explain(row.get("reason")) if row.get("state") == "failed" else None
        row["reason_text"] = "" if meaning is None else meaning.en if en else meaning.zh
    return rows


async def incident_log_api(request: Request) -> Response:
    """投递记录 of an incident: every attempt, result and reason, acknowledgements, and the figures."""
    await require(request, AlertPermission.DELIVERY_LOG)
    incident_id = _id(request, "incident_id", "incident_not_found")
    rows = _held_local(request, await read(request, queries.delivery_log, incident_id=incident_id))
    figures = await read(request, queries.figures, incident_id)
    return JSONResponse({"ok": True, "attempts": rows, "figures": figures})


async def incident_log_csv(request: Request) -> Response:
    await require(request, AlertPermission.DELIVERY_LOG)
    incident_id = _id(request, "incident_id", "incident_not_found")
    rows = await read(request, queries.delivery_log, incident_id=incident_id)
    return csv_download(queries.delivery_log_csv(rows), f"alerts-{incident_id}.csv")


async def person_log_csv(request: Request) -> Response:
    await require(request, AlertPermission.DELIVERY_LOG)
    person_id = _id(request, "person_id", "person_not_found")
    rows = await read(request, queries.delivery_log, person_id=person_id)
    return csv_download(queries.delivery_log_csv(rows), f"alerts-{person_id}.csv")


async def incident_log_page(request: Request) -> Response:
    caller = await signed_in(request, AlertPermission.DELIVERY_LOG)
    if caller is None:
        return Response(status_code=303, headers={"location": "/login"})
    incident_id = _id(request, "incident_id", "incident_not_found")
    rows = _held_local(request, await read(request, queries.delivery_log, incident_id=incident_id))
    figures = await read(request, queries.figures, incident_id)
    context = shell(
        request,
        caller,
        page="alerts-log",
        incident_id=incident_id,
        rows=rows,
        figures=figures,
        states=LOG_STATES,
        kinds=LOG_KINDS,
        routes=LOG_ROUTES,
        timezone=runtime(request).settings.timezone,
    )
    return templates.TemplateResponse(request, "alerts_log.html", context)


async def my_pages_api(request: Request) -> Response:
    """The caller's unacknowledged pages: what the in-app channel shows on board, room and phone."""
    caller = await require(request, Permission.BOARD_VIEW)
    rt = runtime(request)

    def mine(conn: Any) -> tuple[str | None, list[dict[str, Any]]]:
        person = person_of_actor(conn, caller.user.id)
        return person, [] if person is None else queries.open_pages(conn, person, rt.settings)

    async with rt.db.read.connect() as db:
        person, pages = await db.run_sync(mine)
    locale = "en" if locale_of(request) == "en" else "zh_CN"
    for page in pages:
        page["ask_text"] = ask_text(page["ask"], page["place"], locale)
        page["incident_level_text"] = level_text(page["incident_level"], locale)
    # Whose pages these are: the banner reads again after an escalation only when it names this person.
    return JSONResponse({"ok": True, "person_id": person or "", "pages": pages})


async def channels_api(request: Request) -> Response:
    """A person's channels: in full to an admin only; to everyone else, kinds and fingerprints."""
    caller = await require(request, Permission.BOARD_VIEW)
    person_id = _id(request, "person_id", "person_not_found")
    admin = Role.ADMIN.value in caller.user.roles
    channels = await read(request, queries.channels_for, person_id, admin=admin)
    return JSONResponse({"ok": True, "channels": channels})


async def test_channel_api(request: Request) -> Response:
    """发送测试消息: a content-free test message through one of a person's channels, and apprise's verdict."""
    caller = await require(request, AlertPermission.CHANNELS_SET)
    if not csrf_ok(caller, request.headers.get(CSRF_HEADER)):
        raise Forbidden("csrf_failed")
    person_id = _id(request, "person_id", "person_not_found")
    try:
        seq = int(request.path_params["seq"])
    except ValueError:
        raise NotFound("alert_not_found") from None
    if Role.ADMIN.value not in caller.user.roles and caller.user.username != person_id:
        raise NotFound("person_not_found")  # only one's own channels (an admin: anyone's)
    channels = await read(request, queries.channels_for, person_id, admin=True)
    found = [c for c in channels if c["seq"] == seq]
    if not found:
        raise NotFound("alert_not_found")
    url = found[0]["url"]
    if url == IN_APP:
        return JSONResponse({"ok": True, "delivered": True, "status": "SUCCESS", "reason": "in-app"})
    locale = "en" if locale_of(request) == "en" else "zh_CN"
    delivery = await asyncio.to_thread(send, url, compose(AlertFacts(ask=Ask.TEST), locale))
    return JSONResponse(
        {
            "ok": True,
            "delivered": delivery.ok,
            "status": delivery.status,
            "reason": delivery.reason,
            "latency_ms": delivery.latency_ms,
        }
    )


ROUTES = [
    Route("/a/{token}", ack_link_page, methods=["GET"]),
    Route("/a/{token}", ack_link_submit, methods=["POST"]),
    Route("/incidents/{incident_id}/alerts", incident_log_page),
    Route("/api/incidents/{incident_id}/alerts", incident_log_api),
    Route("/api/incidents/{incident_id}/alerts.csv", incident_log_csv),
    Route("/api/people/{person_id}/alerts.csv", person_log_csv),
    Route("/api/people/{person_id}/channels", channels_api),
    Route("/api/people/{person_id}/channels/{seq}/test", test_channel_api, methods=["POST"]),
    Route("/api/alerts/mine", my_pages_api),
]
ACCESS = {
    ("GET", "/a/{token}"): PUBLIC,  # the token is the capability: one acknowledgement of one page
    ("POST", "/a/{token}"): PUBLIC,
    ("GET", "/incidents/{incident_id}/alerts"): AlertPermission.DELIVERY_LOG,
    ("GET", "/api/incidents/{incident_id}/alerts"): AlertPermission.DELIVERY_LOG,
    ("GET", "/api/incidents/{incident_id}/alerts.csv"): AlertPermission.DELIVERY_LOG,
    ("GET", "/api/people/{person_id}/alerts.csv"): AlertPermission.DELIVERY_LOG,
    ("GET", "/api/people/{person_id}/channels"): Permission.BOARD_VIEW,
    # the person themself or an admin (checked in the handler)
    ("POST", "/api/people/{person_id}/channels/{seq}/test"): AlertPermission.CHANNELS_SET,
    ("GET", "/api/alerts/mine"): Permission.BOARD_VIEW,
}
