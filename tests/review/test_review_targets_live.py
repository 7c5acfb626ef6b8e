"""目标管理 (§25) through the real stack: a month of incidents (a drill, a late report, a late and an
overdue closure) whose figures per unit match what the test counts by hand; targets set by the form's
command and by an import (a bad sheet refused, nothing saved), judged met or not; every figure's
incidents; inspectors held to their units; and a rebuild that gives the same projection rows."""

from __future__ import annotations

import asyncio
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import Deployment, LocalServer

from console.cli import main
from console.db import open_database
from console.domains import registry
from console.maintenance import rebuild


class _Clock:
    """The server's clock, set to an instant of the test's month (CONSOLE_CLOCK_FILE holds the offset)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.at(datetime.now(UTC))

    def at(self, when: datetime) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str((when - datetime.now(UTC)).total_seconds()))
        tmp.replace(self.path)


def _month_after(day: datetime) -> datetime:
    return datetime(day.year + (day.month == 12), day.month % 12 + 1, 1, tzinfo=UTC)


def test_the_figures_of_a_month_per_unit_against_targets(
    deployment: Deployment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = _Clock(tmp_path / "clock")
    month = _month_after(datetime.now(UTC) + timedelta(days=40))
    year, key = month.year, f"{month:%Y-%m}"

    def day(n: int, minutes: float = 0) -> datetime:  # 10:00 in Beijing on day n of the month, + minutes
        return month + timedelta(days=n - 1, hours=2, minutes=minutes)

    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock.path)).start()
    try:
        import_organisation(Api(server, "duty"))

        def register(at: datetime, place: str, **args: Any) -> str:
            clock.at(at)
            base = {"place": place, "summary": "群众聚集", "channel": "walk_in"}
            return str(Api(server, "duty").ok("incident.register", {**base, **args})["incident_id"])

        def then(at: datetime, name: str, args: dict[str, Any]) -> None:
            clock.at(at)
            Api(server, "duty").ok(name, args)

        def sent(at: datetime, incident: str, person: str) -> None:
            clock.at(at)
            Api(server, "duty").command("responder.move", {"move": "sign_on", "person_id": person})
            then(at, "responder.dispatch", {"incident_id": incident, "person_ids": [person]})

        def arrives(at: datetime, incident: str, person: str) -> None:
            for move in ("acknowledge", "depart", "arrive"):
                then(at, "responder.move", {"move": move, "person_id": person, "incident_id": incident})

        def file(at: datetime, incident: str, obligation: str) -> None:
            then(
                at, "run.file_report", {"incident_id": incident, "obligation_id": obligation, "note": "电话"}
            )

        def close(at: datetime, incident: str, outcome: str) -> None:
            then(at, "incident.close", {"incident_id": incident, "outcome": outcome, "summary": "结案"})

        # A (城关镇): a sit-in of 60 (集体访 by head count), r1 sent at 3 min and on scene at 12 (9 min);
        # its three reports filed on time; closed as resolved (已化解) after 30 minutes.
        a = register(day(3), "城关镇政府", type="sit_in", head_count=60)
        sent(day(3, 3), a, "r1")
        file(day(3, 5), a, "initial_phone")
        arrives(day(3, 12), a, "r1")
        file(day(3, 20), a, "initial")
        close(day(3, 30), a, "resolved")
        file(day(3, 90), a, "final")
        # B (county, 机关大门): a cross-level visit of 8; the phone report 40 minutes in (late); r2 on
        # scene 20 minutes after being sent; sent up (已上报) at 45, no final report ever.
        b = register(day(9), "机关大门", type="cross_level_visit", head_count=8)
        sent(day(9), b, "r2")
        file(day(9, 40), b, "initial_phone")
        arrives(day(9, 20), b, "r2")
        close(day(9, 45), b, "sent_up")
        # C (城关镇): a drill of 40, on scene in 2 minutes: counted nowhere.
        c = register(day(15), "城关镇政府", type="sit_in", head_count=40, drill=True)
        sent(day(15), c, "r3")
        arrives(day(15, 2), c, "r3")
        close(day(15, 10), c, "resolved")
        # D (信访室, 接待大厅): a repeat petitioner's sit-in of 3 (重复访, not a first visit), the leader
        # on scene 4 minutes after being sent, closed at once as resolved, the final report a minute later.
        d = register(day(20), "接待大厅", type="sit_in", head_count=3, facts={"repeat_petitioner": True})
        sent(day(20), d, "leader")
        arrives(day(20, 4), d, "leader")
        close(day(20, 5), d, "resolved")
        file(day(20, 6), d, "final")
        # F (county): three people, never closed (past the 60 days by the time the figures are read).
        f = register(day(5), "机关大门", type="sit_in", head_count=3)
        # G (county): three people, closed as resolved 61 days later (late).
        g = register(day(6), "机关大门", type="sit_in", head_count=3)
        close(day(6) + timedelta(days=61), g, "resolved")
        now = day(6) + timedelta(days=62, hours=3)  # no deadline falls due between two reads
        clock.at(now)
        duty = Api(server, "duty")

        # --- counted by hand ---
        # reports: A 3 due, 3 on time; B 2 due (phone late, final overdue), 0; D 1, 1 (as the statistics
        # count them); F and G file nothing: each obligation overdue now is due and late.
        overdue = {
            i: sum(
                1
                for r in duty.get(f"/api/incidents/{i}/run").json()["run"]["reports"]
                if r["status"] == "overdue"
            )
            for i in (f, g)
        }
        assert overdue[f] >= 1 and overdue[g] >= 1, overdue
        due, on_time = 3 + 2 + 1 + overdue[f] + overdue[g], 3 + 0 + 1
        reviewer = Api(server, "reviewer")
        body = reviewer.get(f"/api/review/figures?period={key}").json()
        units = {u["unit_id"]: u for u in body["units"]}
        # the petition network's units only: the police are a department outside it
        assert [u["unit_id"] for u in body["units"]] == ["county", "office", "town"]
        county, town, office = (
            units["county"]["figures"],
            units["town"]["figures"],
            units["office"]["figures"],
        )

        def ids(*xs: str) -> list[str]:
            return sorted(xs)

        assert county["incidents"]["value"] == 5 and county["incidents"]["incidents"] == ids(a, b, d, f, g)
        # 按期结案率: A, B, D closed within 60 days; F open past them; G closed after them.
        assert (county["on_time_closure"]["numerator"], county["on_time_closure"]["denominator"]) == (3, 5)
        assert county["on_time_closure"]["hits"] == ids(a, b, d)
        # 初信初访办结率: the first visits A, B, F, G; resolved: A and G.
        assert (county["first_visit"]["numerator"], county["first_visit"]["denominator"]) == (2, 4)
        assert county["first_visit"]["incidents"] == ids(a, b, f, g) and county["first_visit"]["hits"] == ids(
            a, g
        )
        assert county["collective"]["incidents"] == ids(a, b)  # A by head count, B by type
        assert county["cross_level"]["incidents"] == ids(b) and county["repeat"]["incidents"] == ids(d)
        assert (county["reports_on_time"]["numerator"], county["reports_on_time"]["denominator"]) == (
            on_time,
            due,
        )
        # (the clock file moves the server's clock to within milliseconds of each instant)
        assert abs(county["arrival"]["value"] - statistics.median([9, 20, 4])) < 0.05
        assert (
            town["incidents"]["incidents"] == ids(a) and abs(town["arrival"]["value"] - 9) < 0.05
        )  # not the drill
        assert town["on_time_closure"]["value"] == 1.0 and town["reports_on_time"]["value"] == 1.0
        assert office["incidents"]["incidents"] == ids(d) and office["first_visit"]["value"] is None
        assert c not in county["incidents"]["incidents"]
        # the by-type and by-level counts leave the drill out too
        assert sorted(units["county"]["by_type"]) == ["cross_level_visit", "sit_in"]
        assert sorted(units["county"]["by_type"]["sit_in"]) == ids(a, d, f, g)
        assert sum(len(v) for v in units["county"]["by_level"].values()) == 5

        # --- targets: only admins set them; bad values and a bad sheet are refused, nothing saved ---
        admin = Api(server, "admin")
        form = {
            "year": year,
            "unit_id": "county",
            "targets": {"on_time_closure": 80, "first_visit": 50, "collective": 1},
        }
        assert reviewer.command("review.set_targets", form).status_code == 403
        bad = admin.command("review.set_targets", {**form, "targets": {"on_time_closure": 150}})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "target_value_invalid", bad.text
        nowhere = admin.command("review.set_targets", {**form, "unit_id": "mars"})
        assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "unit_not_found"
        admin.ok("review.set_targets", form)
        sheet = (
            f"年度,单位,指标,目标值\n{year},城关镇,按期结案率,90\n{year},mars,集体访,1\n"
            f"{year},town,按期结案率,abc\n{year},office,集体访,1.5\n"
        )
        before = deployment.dump_projections()["review_targets"]
        refused = admin.command("review.import_targets", {"format": "csv", "text": sheet})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "import_rejected", (
            refused.text
        )
        errors = {(e["row"], e["column"]) for e in refused.json()["error"]["errors"]}
        assert errors == {(3, "unit"), (4, "value"), (5, "value")}, errors
        assert "没有该单位" in refused.text
        assert deployment.dump_projections()["review_targets"] == before and len(before) == 3
        good = f"year,unit,figure,value\n{year},城关镇,按期结案率,90\n{year},town,collective,0\n"
        assert admin.ok("review.import_targets", {"format": "csv", "text": good}) == {"rows": 2}

        # the same sheet from the command line (python -m console import-targets FILE --as admin)
        for name, value in {**deployment.env, "CONSOLE_CLOCK_FILE": str(clock.path)}.items():
            monkeypatch.setenv(name, value)
        bad_file, good_file = tmp_path / "bad.csv", tmp_path / "good.csv"
        bad_file.write_text(sheet, encoding="utf-8")
        good_file.write_text(good, encoding="utf-8-sig")  # as a spreadsheet saves it, with a BOM
        capsys.readouterr()
        assert main(["import-targets", str(bad_file), "--as", "admin"]) == 1
        err = capsys.readouterr().err
        assert "import_rejected" in err and "第3行" in err and "没有该单位：mars" in err, err
        assert main(["import-targets", str(good_file), "--as", "reviewer"]) == 1
        assert "forbidden" in capsys.readouterr().err
        assert main(["import-targets", str(good_file), "--as", "admin"]) == 0
        assert "已导入年度目标" in capsys.readouterr().out
        assert len(deployment.dump_projections()["review_targets"]) == 5  # county's 3 and town's 2

        year_view = reviewer.get(f"/api/review/figures?period={year}").json()
        judged = {u["unit_id"]: u["figures"] for u in year_view["units"]}
        assert judged["county"]["on_time_closure"]["verdict"] == "not_met"  # 60% < 80%
        assert judged["county"]["first_visit"]["verdict"] == "met"  # 50% ≥ 50%
        assert judged["county"]["collective"]["verdict"] == "not_met"  # 2 > 1 over the year
        assert (
            judged["town"]["on_time_closure"]["verdict"] == "met"
            and judged["town"]["collective"]["verdict"] == "not_met"
        )
        assert judged["county"]["reports_on_time"]["verdict"] is None  # no target set
        month_view = reviewer.get(f"/api/review/figures?period={key}").json()
        assert month_view["units"][0]["figures"]["collective"]["verdict"] == "not_comparable"
        page = reviewer.get(f"/review/targets?period={year}&unit=county").text
        assert 'data-verdict="not_met"' in page and 'class="trend"' in page
        assert f'href="/review/targets?period={key}&amp;unit=county"' in page  # the month, from its trend
        assert f"/review/targets/incidents?period={year}&amp;unit=county&amp;figure=on_time_closure" in page
        assert "rt-set" not in page  # the form is the admins'
        assert "rt-set" in admin.get(f"/review/targets?period={year}").text

        # --- every figure drills down to its incidents, each linking to its review ---
        drill = reviewer.get(
            f"/api/review/figures/incidents?period={key}&unit=county&figure=on_time_closure"
        ).json()
        assert sorted(x["incident_id"] for x in drill["incidents"]) == ids(a, b, d, f, g)
        assert {x["incident_id"] for x in drill["incidents"] if x["met"]} == {a, b, d}
        html = reviewer.get(f"/review/targets/incidents?period={key}&unit=town&figure=collective").text
        assert f'href="/incidents/{a}/review"' in html and f"/incidents/{c}/review" not in html
        by_type = reviewer.get(
            f"/api/review/figures/incidents?period={key}&unit=county&figure=incidents&group=type:cross_level_visit"
        )
        assert [x["incident_id"] for x in by_type.json()["incidents"]] == [b]
        assert reviewer.get(f"/api/review/figures?period={year}-13").status_code == 422

        # --- inspectors see their units only; leaders see everything ---
        admin.ok("review.set_inspector_units", {"username": "inspector", "unit_ids": ["town"]})
        inspector = Api(server, "inspector")
        mine = inspector.get(f"/api/review/figures?period={key}").json()
        assert [u["unit_id"] for u in mine["units"]] == ["town"]
        assert (
            inspector.get(
                f"/api/review/figures/incidents?period={key}&unit=county&figure=incidents"
            ).status_code
            == 404
        )
        assert inspector.command("review.set_targets", form).status_code == 403
        assert len(Api(server, "leader").get(f"/api/review/figures?period={key}").json()["units"]) == 3
        assert Api(server, "responder").get(f"/api/review/figures?period={key}").status_code == 403

        # --- the projections are the log's: replaying every event gives the same rows ---
        # The server first stops: its timers (reminders due since the clock moved) would append events
        # between the two reads.
        server.stop()
        tables = deployment.dump_projections()
        assert len(tables["review_fig_incidents"]) == 6 and len(tables["review_fig_responses"]) == 4

        async def rebuild_all() -> None:
            db = open_database(deployment.settings)
            try:
                await rebuild(db, registry())
            finally:
                await db.dispose()

        asyncio.run(rebuild_all())
        assert deployment.dump_projections() == tables
    finally:
        server.stop()
