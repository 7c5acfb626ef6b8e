"""The one module that imports apprise: checks a channel URL and sends one message through it.

Everything apprise says about an attempt is reduced to `Delivery` (status, reason, latency) with the
URL's secret pieces scrubbed from the reason, so nothing downstream can leak a key.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import apprise

from .channels import scrub
from .message import Message

# apprise logs the services it talks to, hosts and sometimes paths included: keep it out of our logs.
_APPRISE_LOG = logging.getLogger("apprise")
_APPRISE_LOG.propagate = False
_APPRISE_LOG.addHandler(logging.NullHandler())
# urllib3 (under apprise) logs request lines, paths and so bot keys included, at DEBUG: never those.
logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Delivery:
    """What one attempt came to (apprise's AppriseResult, reduced)."""

    ok: bool
    status: str  # apprise's AppriseResultStatus name: SUCCESS, FAILURE, TIMEOUT, NOMATCH, PARTIAL
    reason: str
    latency_ms: int


def check_url(url: str) -> str | None:
    """None when apprise can send to this URL, else why not (with nothing of the URL in it)."""
    text = url.strip()
    if not text or "://" not in text:
        return "not a URL (expected scheme://…)"
    try:
        plugin = apprise.Apprise.instantiate(text)
    except Exception:
        plugin = None
    if plugin is None:
        scheme = text.partition("://")[0].lower()
        return f"apprise cannot use this URL (scheme {scheme!r} unknown or its parts are incomplete)"
    return None


def can_attach(url: str) -> bool:
    """Whether the channel can carry a file (e-mail can; most chat bots and SMS gateways cannot)."""
    try:
        plugin = apprise.Apprise.instantiate(url.strip())
    except Exception:
        return False
    return bool(plugin is not None and getattr(plugin, "attachment_support", False))


def send(url: str, message: Message, attach: tuple[str, ...] = ()) -> Delivery:
    """Send one message through one channel and wait for apprise's verdict (blocking: run it off-loop).

    `attach`: paths of files to go with the message, for channels that can carry them (can_attach).
    """
    started = time.perf_counter()
    box = apprise.Apprise()
    if not box.add(url):
        return Delivery(False, "FAILURE", "apprise cannot use this URL", 0)
    try:
        files = apprise.AppriseAttachment(list(attach)) if attach else None
        result = box.notify(title=message.title, body=message.body, attach=files)
    except Exception as exc:  # a plugin's own bug must come back as a failed attempt, not kill the worker
        latency = int((time.perf_counter() - started) * 1000)
        return Delivery(False, "FAILURE", scrub(f"{type(exc).__name__}", url), latency)
    latency = int((time.perf_counter() - started) * 1000)
    status = result.status.name
    reasons: list[str] = []
    for service in result:
        for attempt in service:
            for entry in attempt.logs:
                if entry.level in ("WARNING", "ERROR") and entry.message not in reasons:
                    reasons.append(entry.message)
    reason = "; ".join(reasons)[:300] if reasons else ("delivered" if bool(result) else status.lower())
    return Delivery(bool(result), status, scrub(reason, url), latency)
