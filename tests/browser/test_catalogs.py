"""The translation catalogs: every string the UI or an error shows has its zh_CN text, with the same
placeholders; the browser's scripts hold no text of their own. (No browser needed.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from support import ROOT

from console.domains import registry
from console.i18n import translate

MESSAGES = registry().messages

PO = ROOT / "console/locale/zh_CN/LC_MESSAGES/messages.po"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="zh_CN")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `pybabel extract` (scripts/i18n) finds in the source today."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(  # type: ignore[no-untyped-call]
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot), str(ROOT / "console")]
    )
    return _read(pot)


def test_every_marked_string_has_a_chinese_translation(extracted: Catalog) -> None:
    catalog = _read(PO)
    missing = [m.id for m in extracted if m.id and not (catalog.get(m.id) and catalog[m.id].string)]
    assert not missing, f"run scripts/i18n and translate: {missing}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries are not used at run time: {fuzzy}"


def test_translations_keep_their_placeholders() -> None:
    for message in _read(PO):
        if message.id and message.string:
            wanted, got = PLACEHOLDER.findall(str(message.id)), PLACEHOLDER.findall(str(message.string))
            assert set(wanted) == set(got), message.id


def test_every_error_code_speaks_both_languages() -> None:
    for code, english in MESSAGES.items():
        assert translate(code, "en", MESSAGES, detail="x", name="x", seconds=1) == english.format(
            detail="x", name="x", seconds=1
        )
        assert CJK.search(translate(code, "zh_CN", MESSAGES)), code
    assert translate("unauthenticated", "zh_CN", MESSAGES) == "请先登录"
    assert translate("login_throttled", "zh_CN", MESSAGES, seconds=60) == "登录失败次数过多，请 60 秒后再试"
    assert translate("no-such-code", "zh_CN", MESSAGES) == translate("internal", "zh_CN", MESSAGES)


def test_browser_scripts_hold_no_text_of_their_own() -> None:
    scripts = ROOT / "console/web/static/js"
    for path in scripts.glob("*.js"):
        # Comments may name the domain in Chinese; only the code must not.
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        found = CJK.findall(code)
        assert not found, f"{path.name} shows text that is not in the catalog: {''.join(found)[:40]}"
