"""`python -m console send-test-alert URL`: a content-free Chinese test message through apprise, for
whoever sets up the bots. Exit 0 only if delivered; 1 if apprise could not deliver; 2 for a URL apprise
cannot use (a clear message, no traceback). The URL is never printed back: it holds the bot's key."""

from __future__ import annotations

import sys

from alerts.adapter import check_url, send
from alerts.channels import masked
from alerts.message import AlertFacts, Ask, compose


def send_test_alert(url: str, locale: str = "zh_CN") -> int:
    """Send the test message; print apprise's verdict; return the exit status."""
    reason = check_url(url)
    if reason is not None:
        print(f"无法使用该渠道 cannot use this channel: {reason}", file=sys.stderr)
        return 2
    delivery = send(url, compose(AlertFacts(ask=Ask.TEST), locale))
    verdict = "已送达 delivered" if delivery.ok else "未送达 not delivered"
    print(f"{verdict}: {masked(url)} apprise={delivery.status} ({delivery.latency_ms} ms) {delivery.reason}")
    return 0 if delivery.ok else 1
