"""Bilingual text: the console speaks Chinese first and English second, so every message has both."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Self


@dataclass(frozen=True, slots=True)
class Text:
    """A message or label in Chinese and English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.en} ({self.zh})"


class LabelledEnum(StrEnum):
    """A string enum whose members carry a bilingual label and also parse from the Chinese label."""

    @classmethod
    def labels(cls) -> dict[Self, Text]:
        """Bilingual label of every member; subclasses override."""
        return {}

    @property
    def label(self) -> Text:
        """Bilingual label of this member."""
        return self.labels().get(self, Text(self.value, self.value))

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        # Office staff fill spreadsheets with the Chinese term (信访接待), not the code (reception).
        if isinstance(value, str):
            wanted = value.strip()
            for member, text in cls.labels().items():
                if wanted in (text.zh, text.en) or wanted.lower() == member.value:
                    return member
        return None
