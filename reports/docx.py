"""A report document as an editable DOCX (python-docx): the same content, A4 and the GB/T 9704 margins,
East-Asian fonts set on every run (小标宋 for the title, 仿宋 for the body, 黑体 / 楷体 for headings)."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from .document import ReportDocument

# The licensed names first: Word substitutes what the machine has.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
RED = RGBColor(0xE6, 0x00, 0x12)
LINE = Mm(225 / 22)


def _run(
    paragraph: DocxParagraph, text: str, font: str, size: float, *, color: RGBColor | None = None
) -> None:
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), font)
    fonts.set(qn("w:hAnsi"), font)


def _para(doc: object, *, align: int | None = None, indent_chars: float = 0) -> DocxParagraph:
    paragraph: DocxParagraph = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if align is not None:
        fmt.alignment = align
    if indent_chars:
        fmt.first_line_indent = Pt(16 * indent_chars)
    return paragraph


def render_docx(doc: ReportDocument) -> bytes:
    """The DOCX of a report."""
    document = Document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    styles = document.styles["Normal"]
    styles.font.name = BODY_FONT
    styles.font.size = Pt(16)
    styles.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)

    if doc.drill:
        _run(_para(document, align=WD_ALIGN_PARAGRAPH.CENTER), "【演练】", HEADING_FONT, 16, color=RED)
    if doc.template == "bulletin":
        _run(_para(document, align=WD_ALIGN_PARAGRAPH.CENTER), doc.bulletin_name, TITLE_FONT, 42, color=RED)
        _run(_para(document, align=WD_ALIGN_PARAGRAPH.CENTER), f"第{doc.issue}期", BODY_FONT, 16)
        line = f"{doc.organ_short}　　签发人：{doc.signer}　　{doc.date}"
        _run(_para(document), line, BODY_FONT, 16)
    else:
        _run(_para(document, align=WD_ALIGN_PARAGRAPH.CENTER), doc.organ, TITLE_FONT, 36, color=RED)
        _para(document)
        numbers = _para(document)
        _run(numbers, f"　{doc.doc_number}　　　　　　　签发人：", BODY_FONT, 16)
        _run(numbers, doc.signer or "　　　", KAI_FONT, 16)
    rule = _para(document)
    _run(rule, "━" * 20, BODY_FONT, 16, color=RED)
    _para(document)
    _run(_para(document, align=WD_ALIGN_PARAGRAPH.CENTER), doc.title, TITLE_FONT, 22)
    if doc.corrects:
        _run(_para(document), f"（{doc.corrects}）", BODY_FONT, 16)
    _para(document)
    _run(_para(document), "、".join(doc.addressees) + "：", BODY_FONT, 16)
    for sec in doc.sections:
        heading = _para(document, indent_chars=2)
        heading.paragraph_format.keep_with_next = True  # a heading never ends a page
        _run(heading, sec.heading, HEADING_FONT, 16)
        for para in sec.paragraphs:
            p = _para(document, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars=2)
            _run(p, para.heading, KAI_FONT, 16)
            _run(p, para.text, BODY_FONT, 16)
    # The 落款 never stands alone on a page (GB/T 9704 7.3.5): the last paragraph, the blank line and
    # the issuing office keep with the date, as the PDF keeps them in one block.
    if doc.sections:
        document.paragraphs[-1].paragraph_format.keep_with_next = True
    _para(document).paragraph_format.keep_with_next = True
    signature = _para(document, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.keep_with_next = True
    _run(signature, doc.organ_short + "　　", BODY_FONT, 16)
    _run(_para(document, align=WD_ALIGN_PARAGRAPH.RIGHT), doc.date + "　　　　", BODY_FONT, 16)
    if doc.witness:
        _run(_para(document, indent_chars=2), f"（{doc.witness}）", BODY_FONT, 12)
    _para(document)
    if doc.copies:
        _run(_para(document), "抄送：" + "，".join(doc.copies) + "。", BODY_FONT, 14)
    _run(_para(document), f"{doc.organ_short}　　　　{doc.printed_on}印发", BODY_FONT, 14)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
