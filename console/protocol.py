"""The live protocol's vocabulary: message types, close codes and the hello (docs/protocol.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InvalidInput

PROTOCOL_VERSION = 1

# Close codes (4000–4999 are the application's own range in RFC 6455).
CLOSE_BAD_HELLO = 4400  # the first frame was not a valid hello
CLOSE_UNAUTHENTICATED = 4401  # no valid session cookie, bearer token or hello token
CLOSE_DEAD_PEER = 4408  # no frame from the client within the heartbeat timeout
CLOSE_OVERFLOW = 4409  # the client fell too far behind; reconnect and resume from your position
CLOSE_SESSION_ENDED = 4410  # logout, expiry or deactivation ended the session
CLOSE_TOO_MANY = 4429  # the user already holds CONSOLE_WS_PER_USER live connections in this process
CLOSE_SHUTDOWN = 1012  # the server is restarting; reconnect and resume
CLOSE_TRY_AGAIN = 1013  # the database could not be read for the handshake; reconnect after a moment

HELLO_TIMEOUT = 10.0


class Hello(BaseModel):
    """The client's first frame: where it is in the log, so the server can resume it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["hello"]
    epoch: str | None = Field(default=None, max_length=64)
    # Strict: "5", true and 5.0 are not positions (docs/protocol.md: an integer ≥ 0 or null).
    position: Annotated[int, Field(strict=True, ge=0)] | None = None
    locale: str | None = Field(default=None, max_length=16)
    token: str | None = Field(default=None, max_length=200)
    protocol: int = PROTOCOL_VERSION


def parse_hello(raw: Any) -> Hello:
    try:
        return Hello.model_validate(raw)
    except ValidationError:
        raise InvalidInput("hello_expected") from None
