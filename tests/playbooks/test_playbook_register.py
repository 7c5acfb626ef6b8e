"""The official register (公文用语): the playbooks speak as a county office would sign them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playbook_support import library, snapshot

from console.settings import Settings, SettingsError
from playbooks import config
from playbooks.facts import GradingThresholds
from playbooks.model import BUILTIN_OPTIONS, DecisionKind, Playbook

SHIPPED = ["collective_visit", "cross_level_visit", "sit_in", "violence", "screening", "repeat_petitioner"]


def _all_text(pb: Playbook) -> str:
    return pb.model_dump_json()


def _guidance(playbook_id: str, step_id: str) -> str:
    step = snapshot(playbook_id).playbook.step(step_id)
    assert step is not None and step.guidance is not None
    text: str = step.guidance.zh
    return text


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_no_court_term_no_console_jargon(playbook_id: str) -> None:
    text = _all_text(snapshot(playbook_id).playbook)
    for word in ("管辖决定", "复盘", "默认不超过", "seed §", "向指挥台报到", "时间到自动完成", "承诺回本地"):
        assert word not in text, word


@pytest.mark.parametrize("playbook_id", SHIPPED)
def test_the_disposition_decision_is_named_as_the_register_names_it(playbook_id: str) -> None:
    step = next(
        s for s in snapshot(playbook_id).playbook.steps if s.decision and s.decision.kind == "jurisdiction"
    )
    assert step.title.zh.startswith(("分办决定", "排查问题的分办决定"))
    assert "本级办理／报送上级／移送有关部门" in step.title.zh


def test_builtin_disposition_options() -> None:
    zh = [o.title.zh for o in BUILTIN_OPTIONS[DecisionKind.JURISDICTION]]
    assert zh == ["本级办理", "报送上级", "移送有关部门"]


@pytest.mark.parametrize(
    ("playbook_id", "step_id", "wording"),
    [
        ("collective_visit", "register", "来访人数、所属乡镇（村、单位）、反映问题、牵头人员、情绪状态"),
        ("collective_visit", "choose_representatives", "（不超过5人）"),
        ("sit_in", "choose_representatives", "（不超过5人）"),
        ("sit_in", "police_assistance", "（依据《意见》第二十二条）"),
        ("sit_in", "dispatch_team", "向值班室报告到位情况"),
        ("sit_in", "observe", "留守观察30分钟，防止人员回流聚集"),
        ("cross_level_visit", "persuade_return", "告知回属地依法按程序办理，不作超政策承诺"),
        ("cross_level_visit", "dispatch_team", "携带相关信访档案赶赴现场"),
        ("cross_level_visit", "review", "分析未能就地化解的原因"),
    ],
)
def test_register_wording(playbook_id: str, step_id: str, wording: str) -> None:
    assert wording in _guidance(playbook_id, step_id)


def test_feedback_follows_the_higher_level_without_promising_more() -> None:
    text = _guidance("cross_level_visit", "feedback_result")
    assert "以上级要求为准" in text and "提前完成" not in text


@pytest.mark.parametrize("playbook_id", ["sit_in", "violence"])
def test_evaluation_is_called_zongjie_pinggu(playbook_id: str) -> None:
    review = snapshot(playbook_id).playbook.step("review")
    assert review is not None and "总结评估" in review.title.zh


def test_at_most_five_representatives_can_be_set() -> None:
    assert GradingThresholds(max_representatives=5).max_representatives == 5
    with pytest.raises(ValueError, match="less than or equal to 5"):
        GradingThresholds(max_representatives=6)


def test_library_still_loads() -> None:
    assert library().errors == ()


def test_more_than_five_representatives_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite://", secret_key="k")
    too_many = settings.with_(grading_overrides=(("max_representatives", 6),))
    with pytest.raises(SettingsError, match="CONSOLE_GRADE_MAX_REPRESENTATIVES"):
        config.thresholds(too_many)


def test_representatives_join_only_facts_of_group_interests() -> None:
    text = _guidance("collective_visit", "representatives_join_investigation")
    assert "限于涉及群体利益的事实" in text and "不得向其透露问题线索的处置情况" in text
