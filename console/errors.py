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


class TooLarge(ConsoleError):
    """A body over the limit, refused before it is read in full."""

    status = 413

    def __init__(self, code: str = "too_large", **params: object) -> None:
        super().__init__(code, **params)


class UnsupportedMediaType(ConsoleError):
    """A body that is not declared as JSON."""

    status = 415

    def __init__(self, code: str = "unsupported_media_type", **params: object) -> None:
        super().__init__(code, **params)


# Deeper than any command, hello or login body nests (a command's args are two or three levels deep).
MAX_JSON_DEPTH = 32


def parse_json(text: str | bytes) -> object:
    """Client JSON, refused (not crashed on) when malformed, nested deeper than MAX_JSON_DEPTH, or
    holding NUL or lone surrogates (\\ud800), which no database or socket can store or send."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput("invalid_frame", detail="not JSON") from None
    _check_values(value)
    return value


def _check_values(value: object) -> None:
    """Walk the parsed value without recursion: a client chooses the depth, the stack must not."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise InvalidInput("invalid_frame", detail="nested too deeply")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                pending.append((child, depth + 1))
        else:
            pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        # PostgreSQL cannot store NUL in text; no user means one.
        raise InvalidInput("invalid_frame", detail="NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("invalid_frame", detail="not JSON") from None


def same_secret(expected: str, presented: str) -> bool:
    """Constant-time comparison of two tokens that also copes with non-ASCII input."""
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), presented.encode("utf-8", "surrogatepass")
    )
