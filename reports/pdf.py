"""A report document as PDF (WeasyPrint), in the GB/T 9704-2012 layout, with its fonts embedded."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, StrictUndefined, select_autoescape

from .document import ReportDocument
from .fonts import NO_FILES, FontChoice, FontFiles, choose_fonts

TYPE_AREA_MM = 156.0
ORGAN_MAX_MM = 15.0  # the issuing-organ mark's characters are at most this wide


@cache
def _environment() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True), undefined=StrictUndefined)
    return env


def _template(name: str) -> str:
    # beside this module: importlib.resources would read tests/reports when a test put tests/ on the path
    return (Path(__file__).parent / "templates" / name).read_text(encoding="utf-8")


def report_html(doc: ReportDocument, fonts: FontChoice) -> str:
    """The report as HTML: what WeasyPrint lays out, and what the console's preview shows."""
    env = _environment()
    # The stylesheet is ours (font paths come from the settings): rendered without HTML escaping.
    css = Environment(undefined=StrictUndefined).from_string(_template("report.css")).render(fonts=fonts)
    organ_size = min(ORGAN_MAX_MM, TYPE_AREA_MM / max(len(doc.organ), 1))
    html = env.from_string(_template("report.html"))
    return html.render(doc=doc, css=css, organ_size=f"{organ_size:.3f}")


def render_pdf(doc: ReportDocument, files: FontFiles = NO_FILES) -> bytes:
    """The PDF of a report (raises fonts.FontsMissing, naming what to install, without CJK fonts)."""
    from weasyprint import HTML

    fonts = choose_fonts(files)
    pdf: bytes = HTML(string=report_html(doc, fonts)).write_pdf()
    return pdf
