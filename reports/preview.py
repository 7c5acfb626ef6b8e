"""Page images of a rendered PDF, for the console's live preview beside the draft (pypdfium2)."""

from __future__ import annotations

import io


class NoSuchPage(LookupError):
    """The PDF has fewer pages."""


def page_count(pdf: bytes) -> int:
    """How many pages the PDF has."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def page_png(pdf: bytes, page: int, dpi: int = 96) -> bytes:
    """Page `page` (from 1) of the PDF as a PNG at `dpi`."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        if not 1 <= page <= len(document):
            raise NoSuchPage(page)
        bitmap = document[page - 1].render(scale=dpi / 72)
        out = io.BytesIO()
        bitmap.to_pil().save(out, format="PNG")
        return out.getvalue()
    finally:
        document.close()
