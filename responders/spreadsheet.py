"""Cells of every CSV the console writes: text a spreadsheet would run as a formula is defused."""

from __future__ import annotations

# A spreadsheet runs a cell starting with one of these as a formula ("=HYPERLINK(…)", "+1+cmd|…").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """The text as a spreadsheet shows it, never runs it: a leading quote marks it as plain text."""
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def unquote_cell(text: str) -> str:
    """The text `safe_cell` was given: an import reads back what an export wrote."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text
