"""A file part in the sign-in or sign-out form (junk: neither form has one) is closed with the request, not
left open until the garbage collector finds it (an unclosed temporary file per request)."""

from __future__ import annotations

import gc
import sys
import warnings
from typing import Any

import httpx
from support import LocalServer


def test_a_file_sent_with_the_sign_in_forms_is_closed_with_the_request(server: LocalServer) -> None:
    unraisable: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)  # an unclosed file warns when it is freed
            junk = {"upload": ("junk.bin", b"x" * 2048, "application/octet-stream")}
            with httpx.Client(base_url=server.base) as client:
                for path in ("/login", "/logout"):
                    response = client.post(path, data={"username": "duty", "csrf": "x"}, files=junk)
                    assert response.status_code < 500, (path, response.status_code)
            gc.collect()
    finally:
        sys.unraisablehook = previous
    leaked = [u for u in unraisable if "SpooledTemporaryFile" in repr(u.object)]
    assert not leaked, leaked
