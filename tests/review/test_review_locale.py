"""The review in the reader's language: the scripted sit-in's timeline (SVG), activity log and
compliance table, read once in zh-CN and once in English through the real stack, each in its own
words, with no zh-CN phrase left in the English one and no code or msgid shown to a reader."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from script import INCIDENT, at, load_into, scripted
from support import Deployment, LocalServer, login

from reports.fonts import NO_FILES, choose_fonts
from review.activity import activity
from review.activity_pdf import activity_html
from review.activity_pdf import document as activity_document
from review.compliance import compliance
from review.labels import ACTIVITY_LABELS, EN, KIND_NAMES, OUTCOME_NAMES, PHRASES, ROLE_NAMES
from review.log import fold
from review.pdf import ChainLine, compliance_html, document

# What a reader may see that looks like a code: the step and obligation ids the activity log keeps in
# brackets beside a title (to be found in the log), the places the script names by id, and times.
_KEPT = re.compile(r"[（(][a-z_]+[）)]|\bgate\b")
_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # on_time, field_commander, page_ack, …
SHANGHAI = ZoneInfo("Asia/Shanghai")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# What the script's people typed (reasons, the summary): shown as typed in either language.
_TYPED = ("领导研判升级响应", "派出所民警已在现场", "群众在机关大门静坐", "病假顶班")


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    load_into(deployment)
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def _get(server: LocalServer, cookie: str, locale: str, path: str) -> httpx.Response:
    reply = httpx.get(server.base + path, cookies={"ic_session": cookie, "ic_locale": locale}, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply


def _svg_text(svg: str) -> list[str]:
    """What the chart writes for a reader: its <text> and <title> contents."""
    return [t.strip() for t in re.findall(r">([^<>]+)<", svg) if t.strip()]


def _zh_fragments() -> set[str]:
    """Every piece of zh-CN wording of the review's tables (placeholders cut out), of two characters
    or more, that must not be left in an English page."""
    texts = [zh for zh, _ in PHRASES.values()]
    texts += [zh for zh, _ in (*ACTIVITY_LABELS.values(), *ROLE_NAMES.values())]
    texts += [zh for zh, _ in (*KIND_NAMES.values(), *OUTCOME_NAMES.values())]
    parts = {p for t in texts for p in re.split(r"\{[a-z_]+\}|[（）()，；、 ·：]", t)}
    return {p for p in parts if len(p) >= 2 and _CJK.search(p)}


def _shown(read: dict[str, Any]) -> list[str]:
    """The texts the review shows a reader: the chart's, every activity entry's words, every row's."""
    texts = list(read["svg"])
    for person in read["activity"]["people"]:
        for e in person["entries"]:
            texts += [e["label"], e["subject"], e["detail"]]
    for r in read["review"]["compliance"]:
        texts += [r["label"], r["reason"]]
    names = read["review"]["names"]
    texts += list(names["kinds"].values()) + list(names["roles"].values())
    for typed in _TYPED:
        texts = [t.replace(typed, "") for t in texts]
    return [t for t in texts if t]


def _read(server: LocalServer, cookie: str, locale: str) -> dict[str, Any]:
    return {
        "svg": _svg_text(_get(server, cookie, locale, f"/api/incidents/{INCIDENT}/timeline.svg").text),
        "activity": _get(server, cookie, locale, f"/api/incidents/{INCIDENT}/activity").json(),
        "review": _get(server, cookie, locale, f"/api/incidents/{INCIDENT}/review").json(),
    }


def _entry(read: dict[str, Any], person_id: str, activity: str) -> dict[str, Any]:
    person = next(p for p in read["activity"]["people"] if p["person_id"] == person_id)
    return next(e for e in person["entries"] if e["activity"] == activity)


def _row(read: dict[str, Any], item: str) -> dict[str, Any]:
    return next(r for r in read["review"]["compliance"] if r["item"] == item)


def test_the_same_review_in_chinese_and_in_english(server: LocalServer) -> None:
    reviewer, _ = login(server, "reviewer")
    zh, en = _read(server, reviewer, "zh_CN"), _read(server, reviewer, "en")

    # the timeline: headings, legend and tooltips in each language
    assert {"人员", "步骤", "迟报", "时限", "逾期"} <= set(zh["svg"]), zh["svg"]
    assert {"People", "Steps", "Reported late", "Deadline", "Late"} <= set(en["svg"]), en["svg"]
    assert "接报并启动预案 时限 03-02 17:03" in zh["svg"]
    assert "Log the report and start the playbook due 03-02 17:03" in en["svg"]

    # the activity log: who dispatched whom, a skip's reason (as typed), the roll call's count
    assert _entry(zh, "p-chen", "dispatched")["detail"] == "由王值班派遣"
    assert _entry(en, "p-chen", "dispatched")["detail"] == "dispatched by 王值班"
    assert _entry(zh, "p-chen", "dispatched")["subject"] == "现场指挥"
    assert _entry(en, "p-chen", "dispatched")["subject"] == "Field commander"
    assert (_entry(zh, "p-chen", "dispatched")["label"], _entry(en, "p-chen", "dispatched")["label"]) == (
        "被派遣",
        "Dispatched",
    )
    skipped = next(
        e for p in en["activity"]["people"] for e in p["entries"] if e["activity"] == "step_skipped"
    )
    assert skipped["detail"] == "reason: 派出所民警已在现场"  # what the duty officer typed stays as typed
    level = next(e for p in en["activity"]["people"] for e in p["entries"] if e["activity"] == "level_set")
    assert level["subject"] == "Level I response"
    started = next(
        e for p in en["activity"]["people"] for e in p["entries"] if e["activity"] == "rollcall_started"
    )
    assert started["detail"] == "2 expected"

    # a compliance row: the duty's title from the playbook, its kind and role named in each language
    assert _row(zh, "leader_ack")["label"] != _row(en, "leader_ack")["label"]
    assert not _CJK.search(_row(en, "leader_ack")["label"])
    assert zh["review"]["names"]["kinds"]["step"] == "处置步骤"
    assert en["review"]["names"]["kinds"]["step"] == "Step"
    assert en["review"]["names"]["roles"]["field_commander"] == "Field commander"

    # nothing of the zh-CN wording is left in the English review, and no code reaches a reader
    left = {f for f in _zh_fragments() for t in _shown(en) if f in t}
    assert not left, left
    for read in (zh, en):
        codes = {c for t in _shown(read) for c in _CODE.findall(_KEPT.sub("", t))}
        assert not codes, codes


def test_the_printed_documents_in_english() -> None:
    """The 履职情况报告 and the 工作记录 as printed (HTML as WeasyPrint lays it out), in English: the
    documents' own words, the rows' and the entries' words, and the same counts as in zh-CN."""
    events = scripted().events
    rows = compliance(INCIDENT, events, at(40))
    record = fold(INCIDENT, events)
    chain = ChainLine(True, 5, 30, "ab" * 32)
    kwargs: dict[str, Any] = {
        "chain": chain,
        "generated_at": at(40),
        "generated_by": "复盘员",
        "tz": SHANGHAI,
    }
    zh = document(record, rows, findings=[], **kwargs)
    en = document(record, rows, findings=[], words=EN, **kwargs)
    assert [n for _, n in zh.summary] == [n for _, n in en.summary]
    assert dict(en.summary)["Done late"] == dict(zh.summary)["逾期完成"] == 5
    notify = next(r for r in en.rows if r.item.endswith("(notify_leader)"))
    assert (notify.kind, notify.role, notify.outcome) == ("Step", "Duty officer", "Done late")
    html = compliance_html(en, choose_fonts(NO_FILES)).split("</style>", 1)[1]  # the page, not the CSS
    assert "<h1>Compliance report</h1>" in html
    assert "履职情况报告" not in html and "时任责任人" not in html
    assert "<h1>履职情况报告</h1>" in compliance_html(zh, choose_fonts(NO_FILES))

    entries = activity(INCIDENT, events, words=EN)
    printed = activity_document("XF-2026-0001", entries, drill=False, words=EN, **kwargs)
    html = activity_html(printed, choose_fonts(NO_FILES)).split("</style>", 1)[1]
    assert "<h1>Incident response activity log</h1>" in html and "事件处置工作记录" not in html
    assert "Dispatched" in html and "被派遣" not in html
