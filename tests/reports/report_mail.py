"""A local SMTP receiver for the report delivery tests: real aiosmtpd on a free port, every message whole."""

from __future__ import annotations

import time
from typing import Any


class Mailbox:
    """Keeps each message whole (the alerts' mailbox keeps only the text)."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:
        self.raw.append(bytes(envelope.content))
        return "250 OK"


def wait_for(check: Any, what: str, timeout: float = 90) -> Any:
    """The first true answer of `check`, polled until a deadline (a ceiling for a stuck run)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)
