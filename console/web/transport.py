"""The HTTP transport: uvicorn's httptools protocol with a deadline for the request headers.

uvicorn cuts idle keep-alive connections but never a connection that is still sending its headers: one
byte every few seconds keeps a socket (and its memory) forever. Behind nginx the proxy cuts those; the
console must be just as safe without it, so every request's headers must be complete within the
deadline from the moment the server starts waiting for them.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """Closes a connection whose request headers are not complete within `header_timeout` seconds."""

    header_timeout: float = 10.0
    _header_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        waiting = not self.pipeline  # a pipelined request already sent its headers
        super().on_response_complete()
        if waiting and not self.transport.is_closing():
            self._arm()  # the next request on this keep-alive connection has the same deadline

    def handle_websocket_upgrade(self) -> None:
        self._disarm()
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def http_protocol(header_timeout: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class uvicorn builds for each connection, with this deadline."""
    return type("ConsoleHttpProtocol", (HeaderDeadlineProtocol,), {"header_timeout": header_timeout})
