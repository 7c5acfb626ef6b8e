"""按期结案 (《信访工作条例》第三十二条) by the office's limit: CONSOLE_REVIEW_CLOSE_DAYS, 60 unless set,
checked at start (a bad value names the variable, exit 2) and handed to the pure figures as a number."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))

from org import Api, import_organisation
from support import Deployment, LocalServer

from console.cli import main
from console.domains import registry
from console.review.config import close_days
from console.settings import Settings, SettingsError, load_settings
from reports.statistics import Period
from review.figures import FigureKey, Incident, Tree, Unit, figures_of, per_unit, trend

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")


def _settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_SECRET_KEY": "k", **env})


def _closed_on_day(days: int) -> Incident:
    return Incident(
        incident_id="i1",
        number="XF-2026-0001",
        unit_id="county",
        registered_at=T0,
        type="sit_in",
        head_count=3,
        drill=False,
        cross_level=False,
        repeat=False,
        level="general",
        closed_at=T0 + timedelta(days=days),
        outcome="resolved",
    )


@pytest.mark.parametrize(("limit", "hits"), [(60, ("i1",)), (30, ())])
def test_a_closure_on_day_45_is_on_time_at_60_days_and_late_at_30(limit: int, hits: tuple[str, ...]) -> None:
    rs = [_closed_on_day(45)]
    now = T0 + timedelta(days=90)
    figure = figures_of(rs, [], [], now, close_days=limit)[FigureKey.ON_TIME_CLOSURE]
    assert (figure.incidents, figure.hits) == (("i1",), hits)
    # per unit and month by month, the same limit judges the same closure
    tree = Tree.of([Unit("county", "县", None)])
    march = Period.month(2026, 3)
    unit = per_unit(rs, [], [], tree, march, now, TZ, close_days=limit)[0]
    assert unit.figures[FigureKey.ON_TIME_CLOSURE].hits == hits
    months = dict(trend(rs, [], [], frozenset({"county"}), 2026, now, TZ, close_days=limit))
    assert months[march][FigureKey.ON_TIME_CLOSURE].hits == hits


def test_the_limit_is_sixty_days_unless_the_office_sets_it(tmp_path: Path) -> None:
    assert close_days(_settings(tmp_path)) == 60
    assert close_days(_settings(tmp_path, CONSOLE_REVIEW_CLOSE_DAYS=" 30 ")) == 30
    registry().check_settings(_settings(tmp_path, CONSOLE_REVIEW_CLOSE_DAYS="45"))


@pytest.mark.parametrize("raw", ["0", "-5", "sixty", "3.5", "367"])
def test_a_limit_the_figures_cannot_use_is_refused_naming_the_variable(tmp_path: Path, raw: str) -> None:
    with pytest.raises(SettingsError, match="CONSOLE_REVIEW_CLOSE_DAYS"):
        registry().check_settings(_settings(tmp_path, CONSOLE_REVIEW_CLOSE_DAYS=raw))


def test_the_console_will_not_start_with_a_bad_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONSOLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONSOLE_REVIEW_CLOSE_DAYS", "0")
    assert main(["migrate"]) == 2
    assert "CONSOLE_REVIEW_CLOSE_DAYS='0'" in capsys.readouterr().err
    assert not (tmp_path / "console.db").exists()  # nothing was done


def test_the_figures_page_judges_by_the_setting(deployment: Deployment, tmp_path: Path) -> None:
    """Through the real stack: an incident closed 45 days after its registration counts as closed on
    time by a console with the default limit, and as late by one started with CONSOLE_REVIEW_CLOSE_DAYS=30."""
    clock = tmp_path / "clock"

    def at(when: datetime) -> None:
        tmp = clock.with_suffix(".tmp")
        tmp.write_text(str((when - datetime.now(UTC)).total_seconds()))
        tmp.replace(clock)

    # a month well ahead of today, so that moving the clock forward never goes back past a write
    first = datetime.now(UTC).replace(day=1, hour=2, minute=0, second=0, microsecond=0) + timedelta(days=62)
    month = first.replace(day=1)
    key = f"{month:%Y-%m}"
    at(month + timedelta(days=2))
    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock)).start()
    try:
        duty = Api(server, "duty")
        import_organisation(duty)
        args = {"type": "sit_in", "place": "机关大门", "head_count": 3, "summary": "静坐", "channel": "phone"}
        incident = duty.ok("incident.register", args)["incident_id"]
        at(month + timedelta(days=47))  # day 45 of the incident; signed in again (sessions expire)
        Api(server, "duty").ok(
            "incident.close", {"incident_id": incident, "outcome": "resolved", "summary": "结案"}
        )
        at(month + timedelta(days=50))
        default = _closure(server, key)
    finally:
        server.stop()
    server = LocalServer(deployment, CONSOLE_CLOCK_FILE=str(clock), CONSOLE_REVIEW_CLOSE_DAYS="30").start()
    try:
        shorter = _closure(server, key)
    finally:
        server.stop()
    assert (default["numerator"], default["denominator"], default["hits"]) == (1, 1, [incident])
    assert (shorter["numerator"], shorter["denominator"], shorter["hits"]) == (0, 1, [])


def _closure(server: LocalServer, period: str) -> dict[str, Any]:
    body = Api(server, "reviewer").get(f"/api/review/figures?period={period}").json()
    county = next(u for u in body["units"] if u["unit_id"] == "county")
    figure: dict[str, Any] = county["figures"]["on_time_closure"]
    return figure
