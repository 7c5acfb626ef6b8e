"""工作记录 over HTTP: the scripted sit-in's activity as JSON, CSV, PDF and a page, each entry linking to
the replay at the moment it was recorded (real stack, SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pdfplumber
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from script import INCIDENT, at, load_into
from support import Deployment, LocalServer, login


@pytest.fixture
def server(deployment: Deployment) -> Iterator[LocalServer]:
    load_into(deployment)
    srv = LocalServer(deployment).start()
    try:
        yield srv
    finally:
        srv.stop()


def _get(server: LocalServer, cookie: str, path: str) -> httpx.Response:
    return httpx.get(server.base + path, cookies={"ic_session": cookie}, timeout=120)


def test_the_activity_names_people_their_moves_and_the_events(server: LocalServer) -> None:
    reviewer, _ = login(server, "reviewer")
    reply = _get(server, reviewer, f"/api/incidents/{INCIDENT}/activity")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["incident"] == {"id": INCIDENT, "number": "XF-2026-0001"}
    # the script's users are no console users: what they recorded is under their names as recorded
    # the console pages people as they are dispatched (and its timers remind, 系统): entries too
    names = [p["name"] for p in body["people"]]
    assert names[:3] == ["王值班", "李书记", "陈队长"], names
    assert {"钱值班", "刘干部"} <= set(names)
    chen = next(p for p in body["people"] if p["person_id"] == "p-chen")
    moves = ("dispatched", "acknowledged", "on_scene", "rollcall_confirmed")
    assert [(e["activity"], e["label"], e["place"]) for e in chen["entries"] if e["activity"] in moves] == [
        ("dispatched", "被派遣", "gate"),
        ("acknowledged", "确认接收", ""),
        ("on_scene", "到达现场", "gate"),
        ("rollcall_confirmed", "清点报到", "gate"),
    ]
    arrived = next(e for e in chen["entries"] if e["activity"] == "on_scene")
    assert arrived["reported_late"] and arrived["at"] == at(16).isoformat()
    # the link stands the replay at the moment the console learned it (09:31), what was known then
    link = urlsplit(arrived["replay"])
    assert link.path == f"/incidents/{INCIDENT}/review"
    query = parse_qs(link.query)
    assert query["mode"] == ["known"] and query["at"] == [at(31).isoformat().replace("+00:00", "Z")]

    def chen_then(instant: str) -> str:
        state = _get(server, reviewer, f"/api/incidents/{INCIDENT}/replay?at={instant}&mode=known").json()
        return str(next(p["status"] for p in state["people"] if p["person_id"] == "p-chen"))

    assert chen_then(query["at"][0]) == "on_scene"  # the replay there shows what the entry records
    assert chen_then(at(30.9).isoformat().replace("+00:00", "Z")) == "acknowledged"

    english = httpx.get(
        server.base + f"/api/incidents/{INCIDENT}/activity",
        cookies={"ic_session": reviewer, "ic_locale": "en"},
        timeout=60,
    ).json()
    chen_en = next(p for p in english["people"] if p["person_id"] == "p-chen")
    assert "On scene" in [e["label"] for e in chen_en["entries"]]


def test_the_csv_and_the_pdf_carry_every_entry(server: LocalServer) -> None:
    reviewer, _ = login(server, "reviewer")
    data = _get(server, reviewer, f"/api/incidents/{INCIDENT}/activity").json()
    count = sum(len(p["entries"]) for p in data["people"])

    reply = _get(server, reviewer, f"/api/incidents/{INCIDENT}/activity.csv")
    assert reply.status_code == 200 and "activity-XF-2026-0001.csv" in reply.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(reply.text.lstrip("\ufeff"))))
    assert len(lines) == count + 1
    dispatched = next(line for line in lines if line[5] == "被派遣")
    assert dispatched[:2] == ["p-chen", "陈队长"] and dispatched[4] == "gate"

    pdf = _get(server, reviewer, f"/api/incidents/{INCIDENT}/activity.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.content)) as opened:
        assert all(round(p.width / 72 * 25.4) == 210 for p in opened.pages)  # A4 portrait
        text = "\n".join(page.extract_text() or "" for page in opened.pages)
    for expected in (
        "事件处置工作记录",
        "XF-2026-0001",
        "陈队长",
        "到达现场",
        "补记",
        "哈希链完整",
        "理由：派出所民警已在现场",
    ):
        assert expected in text, expected


def test_the_page_lists_each_person_with_links_into_the_replay(server: LocalServer) -> None:
    reviewer, _ = login(server, "reviewer")
    page = _get(server, reviewer, f"/incidents/{INCIDENT}/activity")
    assert page.status_code == 200
    html = page.text
    assert html.count('class="card activity-person"') == len(
        _get(server, reviewer, f"/api/incidents/{INCIDENT}/activity").json()["people"]
    )
    assert f'href="/incidents/{INCIDENT}/review?at=' in html and "#rv-replay-title" in html
    assert 'data-activity="on_scene" data-late="true"' in html
    assert 'href="/review/people/p-chen/activity"' in html  # the person's own log over a period
    review = _get(server, reviewer, f"/incidents/{INCIDENT}/review")
    assert f'href="/incidents/{INCIDENT}/activity"' in review.text
    duty, _ = login(server, "duty")
    assert _get(server, duty, f"/api/incidents/{INCIDENT}/activity").status_code == 403
    assert _get(server, reviewer, "/api/incidents/nope/activity").status_code == 404
