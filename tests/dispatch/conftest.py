"""Fixtures for the responders tests: a server with a small organisation imported through the API."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from collections.abc import Iterator

import pytest
from support import Deployment, LocalServer


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    """The console with three responders' logins (r1, r2, r3) besides a user of every role."""
    deployment.add_users({"r1": "responder", "r2": "responder", "r3": "responder"})
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()
