"""The responders refusals: the core's bilingual reasons and an import's row errors, translated late."""

from __future__ import annotations

from collections.abc import Mapping

from responders.io import RowError
from responders.text import Text

from ..errors import DomainError, InvalidInput
from ..i18n import translate


class Refused(DomainError):
    """A refusal whose detail the responders core wrote in both languages (status machine, roster…)."""

    def __init__(self, code: str, text: Text) -> None:
        super().__init__(code, detail=text.en)
        self.text = text

    def message(self, locale: str | None, messages: Mapping[str, str]) -> str:
        detail = self.text.en if locale == "en" else self.text.zh
        return translate(self.code, locale, messages, detail=detail)


class ImportRejected(InvalidInput):
    """导入失败: bad rows, each named with its row, column and reason; nothing was imported."""

    def __init__(self, errors: tuple[RowError, ...]) -> None:
        super().__init__("import_rejected", detail=len(errors))
        self.errors = errors

    def to_dict(self, locale: str | None, messages: Mapping[str, str]) -> dict[str, object]:
        rows = [
            {"row": e.row, "column": e.column, "message": e.message if locale == "en" else e.message_zh}
            for e in self.errors[:200]
        ]
        return {**super().to_dict(locale, messages), "errors": rows}
