"""Errors with a stable code, shown to users as a translated message."""

from __future__ import annotations

from .i18n import translate


class ConsoleError(Exception):
    """A refusal the user should see: a stable `code`, translated at the edge, never a traceback."""

    status = 400

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def message(self, locale: str | None) -> str:
        return translate(self.code, locale, **self.params)

    def to_dict(self, locale: str | None) -> dict[str, object]:
        return {"code": self.code, "message": self.message(locale)}


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
