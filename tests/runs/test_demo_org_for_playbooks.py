"""The demo county has the people and departments the playbooks name (主要负责同志, 119, 宣传口径 …)."""

from __future__ import annotations

from console.demo_org import PEOPLE, UNITS


def test_the_commission_head_holds_both_posts() -> None:
    chen = next(p for p in PEOPLE if p.id == "chen-shuji")
    assert chen.post is not None
    assert "县纪委书记" in chen.post and "县监委主任" in chen.post


def test_the_departments_the_playbooks_call_on_are_there() -> None:
    by_name = {u.name: u for u in UNITS}
    for name in ("县信访局", "县委政法委", "县委宣传部", "县消防救援大队"):
        assert name in by_name, name
    assert by_name["县消防救援大队"].phone == "119"
    assert len({u.id for u in UNITS}) == len(UNITS)
