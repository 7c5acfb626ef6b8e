"""The DOCX: the same content as the PDF, A4 with the GB/T 9704 margins, East-Asian fonts on every run."""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn
from docx.shared import Mm

from reports.demo import demo_document
from reports.docx import BODY_FONT, TITLE_FONT, render_docx


def test_the_docx_opens_with_the_reports_content_and_east_asian_fonts() -> None:
    doc = demo_document()
    opened = docx.Document(io.BytesIO(render_docx(doc)))
    section = opened.sections[0]
    # Word stores lengths in twentieths of a point: equal to a tenth of a millimetre.
    expected = {"page_width": 210, "page_height": 297, "top_margin": 37, "left_margin": 28}
    expected |= {"right_margin": 26, "bottom_margin": 35}
    for name, mm in expected.items():
        got = getattr(section, name)
        assert got is not None and abs(got - Mm(mm)) < Mm(0.1), (name, got)
    text = [p.text for p in opened.paragraphs]
    assert doc.title in text and "　县纪发〔2026〕5号" in text[2]
    body = "\n".join(text)
    for s in doc.sections:
        assert s.heading in body
        for para in s.paragraphs:
            assert para.heading + para.text in body
    fonts = {}
    for p in opened.paragraphs:
        for run in p.runs:
            properties = run._element.rPr
            assert properties is not None and properties.rFonts is not None, run.text
            east_asian = properties.rFonts.get(qn("w:eastAsia"))
            assert east_asian, run.text
            fonts[run.text] = east_asian
    assert fonts[doc.title] == TITLE_FONT
    assert BODY_FONT in fonts.values()


def test_the_docx_keeps_headings_and_the_closing_with_what_follows() -> None:
    """Word lays the DOCX out itself: headings keep with their first paragraph, and the body's last
    paragraph, the blank line and the issuing office keep with the date (the 落款 never stands alone)."""
    doc = demo_document()
    opened = docx.Document(io.BytesIO(render_docx(doc)))
    paragraphs = opened.paragraphs
    texts = [p.text for p in paragraphs]
    for s in doc.sections:
        assert paragraphs[texts.index(s.heading)].paragraph_format.keep_with_next, s.heading
    last = doc.sections[-1].paragraphs[-1]
    at = texts.index(last.heading + last.text)
    assert texts[at + 2].startswith(doc.organ_short) and texts[at + 3].startswith(doc.date)
    assert [paragraphs[at + k].paragraph_format.keep_with_next for k in range(4)] == [True, True, True, None]
