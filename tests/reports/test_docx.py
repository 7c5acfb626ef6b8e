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
