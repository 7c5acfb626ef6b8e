"""按期结案 (《信访工作条例》第三十二条) by the office's limit: CONSOLE_REVIEW_CLOSE_DAYS, 60 unless set,
checked at start (a bad value names the variable, exit 2) and handed to the pure figures as a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

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
