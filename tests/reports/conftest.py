"""Fixtures of the report tests: a real SMTP receiver for deliveries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from report_mail import Mailbox
from support import free_port


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, auth_require_tls=False)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
