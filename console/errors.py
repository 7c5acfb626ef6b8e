"""Errors with a stable code, shown to users as a translated message."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping

from .i18n import translate


class ConsoleError(Exception):
    """A refusal the user should see: a stable `code`, translated at the edge, never a traceback."""

    status = 400

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def message(self, locale: str | None, messages: Mapping[str, str]) -> str:
        """The translated text; `messages` is the console's table of codes (Registry.messages)."""
        return translate(self.code, locale, messages, **self.params)

    def to_dict(self, locale: str | None, messages: Mapping[str, str]) -> dict[str, object]:
        return {"code": self.code, "message": self.message(locale, messages)}


class DomainError(ConsoleError):
    """The command is well-formed but the domain refuses it (closed incident, illegal transition…)."""

    status = 409


class NotFound(DomainError):
    status = 404


class Forbidden(ConsoleError):
    status = 403

    def __init__(self, code: str = "forbidden", **params: object) -> None:
        super().__init__(code, **params)


class Unauthenticated(ConsoleError):
    status = 401

    def __init__(self, code: str = "unauthenticated", **params: object) -> None:
        super().__init__(code, **params)


class InvalidInput(ConsoleError):
    status = 422


def parse_json(text: str | bytes) -> object:
    """Client JSON, refused (not crashed on) when malformed or when it holds lone surrogates (\\ud800),
    which no database or socket can store or send."""
    try:
        value = json.loads(text)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError, RecursionError):
        raise InvalidInput("invalid_frame", detail="not JSON") from None
    if _has_nul(value):
        # PostgreSQL cannot store NUL in text; no user means one.
        raise InvalidInput("invalid_frame", detail="NUL character")
    return value


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def same_secret(expected: str, presented: str) -> bool:
    """Constant-time comparison of two tokens that also copes with non-ASCII input."""
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), presented.encode("utf-8", "surrogatepass")
    )
