"""A CSV's file name comes from the path: any id there gives a download, never a 500 (fuzz, PostgreSQL)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from support import Served, login


def test_delivery_log_csv_of_an_id_with_any_characters(server: Served) -> None:
    cookie, _ = login(server, "leader")
    for odd in ("事件", 'a"b', "x y"):
        for path in (f"/api/incidents/{quote(odd)}/alerts.csv", f"/api/people/{quote(odd)}/alerts.csv"):
            r = httpx.get(server.base + path, cookies={"ic_session": cookie})
            assert r.status_code < 500, (path, r.text[:200])
            if r.status_code == 200:
                disposition = r.headers["content-disposition"]
                assert disposition.count('"') == 2 and disposition.isascii(), disposition
