"""Render a report document to a file's format, chosen by its suffix (.pdf or .docx)."""

from __future__ import annotations

from pathlib import Path

from .document import ReportDocument
from .fonts import NO_FILES, FontFiles

FORMATS = (".pdf", ".docx")


class UnknownFormat(ValueError):
    """The output file's suffix is neither .pdf nor .docx."""


def render(doc: ReportDocument, suffix: str, fonts: FontFiles = NO_FILES) -> bytes:
    """The document as PDF or DOCX (raises fonts.FontsMissing for a PDF without CJK fonts)."""
    kind = suffix.lower()
    if kind == ".pdf":
        from .pdf import render_pdf

        return render_pdf(doc, fonts)
    if kind == ".docx":
        from .docx import render_docx

        return render_docx(doc)
    raise UnknownFormat(suffix)


def write(doc: ReportDocument, output: Path, fonts: FontFiles = NO_FILES) -> None:
    """Write the document to `output` in the format its suffix names."""
    data = render(doc, output.suffix, fonts)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
