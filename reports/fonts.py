"""Which fonts a report is set in: the office's licensed fonts when configured, else Debian's Noto CJK.

GB/T 9704 names 小标宋 for titles, 仿宋_GB2312 for the body, 黑体 and 楷体 for headings. An office that
holds licences points the settings at those files (CONSOLE_REPORT_FONT_TITLE, _BODY, _HEADING, _KAI);
otherwise the free fonts of Debian's fonts-noto-cjk stand in (serif bold for 小标宋, serif for 仿宋,
sans for 黑体). No CJK font at all is an error naming what to install, never a PDF of empty boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)
# Files of Debian's fonts-noto-cjk (and of its fonts-noto-cjk-extra), and the family each provides.
NOTO_SERIF = ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC")
NOTO_SERIF_BOLD = ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC")
NOTO_SANS = ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC")
INSTALL_HINT = (
    "no CJK font found for reports: install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk), "
    "or point CONSOLE_REPORT_FONT_TITLE / CONSOLE_REPORT_FONT_BODY at the office's licensed fonts "
    "(方正小标宋, 仿宋_GB2312)"
)


class FontsMissing(RuntimeError):
    """No font that can set Chinese text; the message says what to install."""


@dataclass(frozen=True)
class FontFace:
    """An @font-face: a family name the stylesheet uses, and its file."""

    family: str
    path: Path

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()


@dataclass(frozen=True)
class FontChoice:
    """The CSS font-family lists of each role, and the faces to declare."""

    title: str
    body: str
    heading: str
    kai: str
    page: str
    faces: tuple[FontFace, ...]
    licensed: tuple[str, ...]  # which roles use the office's own fonts


@dataclass(frozen=True)
class FontFiles:
    """The office's licensed font files, by role (None: use the free default)."""

    title: Path | None = None
    body: Path | None = None
    heading: Path | None = None
    kai: Path | None = None


NO_FILES = FontFiles()


def find_font(name: str, dirs: Sequence[Path] = FONT_DIRS) -> Path | None:
    """The first file called `name` under the font directories."""
    for root in dirs:
        if root.is_dir():
            for found in root.rglob(name):
                return found
    return None


def choose_fonts(files: FontFiles | None = None, dirs: Sequence[Path] = FONT_DIRS) -> FontChoice:
    """The fonts of each role; raises FontsMissing when neither licensed nor free CJK fonts exist."""
    files = files or NO_FILES
    for role, path in (("title", files.title), ("body", files.body), ("heading", files.heading)):
        if path is not None and not path.is_file():
            raise FontsMissing(f"CONSOLE_REPORT_FONT_{role.upper()}: no such font file {path}")
    serif = find_font(NOTO_SERIF[0], dirs)
    bold = find_font(NOTO_SERIF_BOLD[0], dirs)
    sans = find_font(NOTO_SANS[0], dirs)
    free_body = serif is not None or bold is not None
    if files.body is None and not free_body:
        raise FontsMissing(INSTALL_HINT)
    faces: list[FontFace] = []
    licensed: list[str] = []

    def family(role: str, own: Path | None, fallback: str, weight: str = "") -> str:
        if own is not None:
            faces.append(FontFace(f"report-{role}", own))
            licensed.append(role)
            return f'"report-{role}", "{fallback}", serif'
        return f'"{fallback}", serif{weight}'

    serif_family = NOTO_SERIF[1] if free_body else "serif"
    title = family("title", files.title, NOTO_SERIF_BOLD[1] if bold else serif_family)
    if files.title is None and bold is not None:
        # 小标宋 is a heavy song face: the bold serif stands in.
        title = f'"{NOTO_SERIF_BOLD[1]}", serif; font-weight: 700'
    body = family("body", files.body, serif_family)
    heading = family("heading", files.heading, NOTO_SANS[1] if sans else serif_family)
    kai = family("kai", files.kai, serif_family)
    return FontChoice(
        title=title,
        body=body,
        heading=heading,
        kai=kai,
        page=f'"{serif_family}", serif',
        faces=tuple(faces),
        licensed=tuple(licensed),
    )
