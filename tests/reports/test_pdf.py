"""The PDF's geometry, measured (GB/T 9704-2012): A4, the type area, the line grid, fonts, page numbers."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from typing import Any

import pdfplumber
import pytest

from reports.demo import demo_document
from reports.fonts import FontFiles, FontsMissing, choose_fonts
from reports.pdf import render_pdf

MM = 72 / 25.4
TOP, LEFT, WIDTH, HEIGHT = 37 * MM, 28 * MM, 156 * MM, 225 * MM
TOLERANCE = 1 * MM
PAGE_NUMBER = re.compile(r"^— (\d+) —$")


@pytest.fixture(scope="module")
def pdf() -> Iterator[Any]:
    # A drill, so that the 演练 watermark is measured too: one rendering for the whole module.
    doc = dataclasses.replace(demo_document(), drill=True)
    with pdfplumber.open(io.BytesIO(render_pdf(doc))) as opened:
        yield opened


def _in_area(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The type area's text: not the page number below it, not the watermark across it."""
    return [c for c in chars if c["top"] < TOP + HEIGHT + TOLERANCE and c["size"] < 40]


def test_pages_are_a4_and_text_stays_inside_the_type_area(pdf: Any) -> None:
    assert len(pdf.pages) >= 2
    for page in pdf.pages:
        assert page.width == pytest.approx(210 * MM, abs=0.5)
        assert page.height == pytest.approx(297 * MM, abs=0.5)
        chars = _in_area(page.chars)
        assert chars, page.page_number
        assert min(c["x0"] for c in chars) >= LEFT - TOLERANCE
        assert max(c["x1"] for c in chars) <= LEFT + WIDTH + TOLERANCE
        assert min(c["top"] for c in chars) >= TOP - TOLERANCE
        assert max(c["bottom"] for c in chars) <= TOP + HEIGHT + TOLERANCE


def test_the_body_keeps_to_22_lines_of_28_characters(pdf: Any) -> None:
    body_lines = 0
    for page in pdf.pages:
        lines: dict[int, list[dict[str, Any]]] = {}
        for c in _in_area(page.chars):
            if c["text"].strip():
                lines.setdefault(round(c["top"] / 2), []).append(c)
        assert len(lines) <= 22, (page.page_number, len(lines))
        for chars in lines.values():
            if abs(chars[0]["size"] - 156 / 28 * MM) > 0.2:
                continue  # the title, the organ mark, the colophon: not body lines
            body_lines += 1
            # Half-width figures take half a character's room: 28 full widths at most.
            widths = sum(1 if ord(c["text"]) > 0x2E7F else 0.5 for c in chars)
            assert widths <= 28, "".join(c["text"] for c in chars)
    assert body_lines > 20


def test_fonts_are_embedded_and_the_text_is_chinese(pdf: Any) -> None:
    text = pdf.pages[0].extract_text()
    assert "关于县委机关大门群众静坐事件的首报" in text
    assert "县纪发〔2026〕5号" in text and "签发人" in text
    for page in pdf.pages:
        fonts = page.page_obj.resources["Font"]
        fonts = fonts.resolve() if hasattr(fonts, "resolve") else fonts
        for ref in fonts.values():
            font = ref.resolve()
            descendant = font["DescendantFonts"][0].resolve() if "DescendantFonts" in font else font
            descriptor = descendant["FontDescriptor"].resolve()
            assert any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3")), font


def test_page_numbers_are_dashed_and_every_page_is_watermarked(pdf: Any) -> None:
    for page in pdf.pages:
        below = [w for w in page.extract_words() if w["top"] > TOP + HEIGHT]
        line = " ".join(w["text"] for w in below)
        match = PAGE_NUMBER.match(line)
        assert match and int(match.group(1)) == page.page_number, line
        # GB/T 9704: odd pages' numbers on the right, even pages' on the left.
        x = below[0]["x0"]
        assert (x > 105 * MM) == (page.page_number % 2 == 1), (page.page_number, x)
        marks = "".join(c["text"] for c in page.chars if c["size"] >= 40)
        assert "演练" in marks, page.page_number


def test_missing_cjk_fonts_name_what_to_install(tmp_path: Any) -> None:
    with pytest.raises(FontsMissing, match="fonts-noto-cjk"):
        choose_fonts(dirs=[tmp_path])
    with pytest.raises(FontsMissing, match="CONSOLE_REPORT_FONT_BODY"):
        choose_fonts(FontFiles(body=tmp_path / "仿宋_GB2312.ttf"))


def test_the_offices_licensed_fonts_are_declared_when_configured(tmp_path: Any) -> None:
    licensed = tmp_path / "方正小标宋.ttf"
    licensed.write_bytes(b"")  # the choice checks the file is there; WeasyPrint reads it when rendering
    chosen = choose_fonts(FontFiles(title=licensed))  # the body falls back to Noto Serif CJK
    assert chosen.licensed == ("title",)
    assert chosen.title.startswith('"report-title"')
    assert [f.url for f in chosen.faces] == [licensed.resolve().as_uri()]


def test_the_colophon_sits_at_the_foot_of_the_last_page(pdf: Any) -> None:
    last = pdf.pages[-1]
    printed = [w for w in last.extract_words() if w["text"].endswith("印发")]
    assert printed, last.extract_text()
    # 版记's last line is the type area's last line (GB/T 9704 §8: 版记 on the last page, at its foot).
    assert TOP + HEIGHT - 8 * MM < printed[0]["bottom"] <= TOP + HEIGHT + TOLERANCE
    for page in pdf.pages[:-1]:
        assert "印发" not in page.extract_text()


def test_the_closing_never_stands_alone_on_a_page() -> None:
    """An empty month's statistics fill page 1 to its last lines: the 落款 takes the body's last
    paragraph (and its heading) with it to page 2 rather than standing there alone (GB/T 9704 7.3.5)."""
    from datetime import UTC, datetime

    from reports.demo import DEMO_HEADER, TZ
    from reports.statistics import Period, build_statistics, statistics_document

    stats = build_statistics([], Period.month(2026, 11), TZ)
    doc = statistics_document(stats, DEMO_HEADER, serial=7, at=datetime(2026, 12, 2, 2, tzinfo=UTC), tz=TZ)
    with pdfplumber.open(io.BytesIO(render_pdf(doc))) as rendered:
        pages = [page.extract_text() or "" for page in rendered.pages]
    signed = [text for text in pages if "2026年12月2日\n" in text or text.rstrip().endswith("2026年12月2日")]
    assert len(pages) == 2 and len(signed) == 1, pages
    last = doc.sections[-1]
    assert last.heading in signed[0] and last.paragraphs[-1].text in signed[0], signed[0]
    assert last.heading not in pages[0]  # the heading went with its only paragraph
