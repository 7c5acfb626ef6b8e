"""Loading YAML: a broken file names file, line and field, and never takes the library down."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.loader import load_library, parse_playbook

GOOD = """\
id: tiny
version: 1
title:
  zh: 小预案
  en: Tiny playbook
serves: [other]
roles: [duty_officer, field_commander, info_reporter, leader_in_charge]
steps:
  - id: start
    title:
      zh: 启动
      en: Start
    role: duty_officer
    kind: notify
    due: {minutes: 5}
  - id: jurisdiction
    title:
      zh: 分办决定
      en: Disposition
    role: field_commander
    kind: decision
    decision: {kind: jurisdiction}
    due: {minutes: 30}
    depends_on: [start]
reports:
  - id: final
    stage: final
    title:
      zh: 终报
      en: Final report
    due: {hours: 24, after: close}
    recipients: [higher_commission]
"""


def test_the_minimal_example_loads() -> None:
    result = parse_playbook(GOOD, file="tiny.yaml")
    assert result.errors == ()
    assert result.snapshot is not None and result.snapshot.ref.startswith("tiny@v1#")


def _errors(text: str) -> list[tuple[int | None, str, str]]:
    result = parse_playbook(text, file="bad.yaml")
    assert result.snapshot is None
    assert all(e.file == "bad.yaml" for e in result.errors)
    return [(e.line, e.field, e.message) for e in result.errors]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("    due: {minutes: 5}", "    due: {minutes: soon}", 15, "steps[0].due.minutes", "valid integer"),
        ("    kind: notify", "    kind: telegram", 14, "steps[0].kind", "'checklist'"),
        ("    role: duty_officer\n", "    role: janitor\n", 13, "steps[0].role", "'field_commander'"),
        ("version: 1\n", "", 1, "version", "Field required"),
        ("    depends_on: [start]", "    depends_on: [begin]", 24, "steps[1].depends_on[0]", "'begin'"),
        (
            "    due: {minutes: 30}",
            "    due: {minutes: 30, after: nowhere}",
            23,
            "steps[1].due.after",
            "depends_on",
        ),
        (
            "    kind: notify",
            "    kind: notify\n    when: {fact: moon_phase}",
            15,
            "steps[0].when.fact",
            "Input",
        ),
        (
            "    due: {minutes: 5}",
            "    due: {minutes: 5}\n    when: {fact: head_count}",
            16,
            "steps[0].when",
            "count",
        ),
        (
            "    decision: {kind: jurisdiction}",
            "    decision: {kind: choice}",
            22,
            "steps[1].decision",
            "two options",
        ),
    ],
)
def test_a_broken_field_is_named_with_its_line(
    old: str, new: str, line: int, field: str, message: str
) -> None:
    assert old in GOOD
    errors = _errors(GOOD.replace(old, new, 1))
    assert any(e[0] == line and e[1] == field and message in e[2] for e in errors), errors


def test_a_role_not_declared_is_named() -> None:
    errors = _errors(GOOD.replace("field_commander, info_reporter, leader_in_charge]", "info_reporter]"))
    assert (20, "steps[1].role", "'field_commander': role is not listed in this playbook's roles") in errors
    assert any(e[1] == "defaults.on_overdue.escalate_to" for e in errors)


def test_missing_jurisdiction_decision_is_named() -> None:
    errors = _errors(GOOD.replace("decision: {kind: jurisdiction}", "decision: {kind: police_assistance}"))
    assert any(e[1] == "steps" and "jurisdiction" in e[2] for e in errors), errors


def test_a_yaml_syntax_error_names_the_line() -> None:
    errors = _errors(GOOD.replace("    kind: notify", "    kind: [notify"))
    assert len(errors) == 1 and errors[0][0] is not None and errors[0][0] >= 14
    assert "not valid YAML" in errors[0][2]


def test_a_duplicate_key_is_named() -> None:
    errors = _errors(GOOD.replace("    kind: notify", "    kind: notify\n    kind: checklist"))
    assert errors == [(15, "steps[0].kind", "this key appears twice")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("- just\n- a list\n", "mapping"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
        ("x: !!python/name:os.system\n", "not valid YAML"),
    ],
)
def test_files_that_are_not_playbooks(text: str, message: str) -> None:
    errors = _errors(text)
    assert len(errors) == 1 and message in errors[0][2]


def test_a_cycle_is_named() -> None:
    text = GOOD.replace("    due: {minutes: 5}", "    due: {minutes: 5}\n    depends_on: [jurisdiction]")
    errors = _errors(text)
    assert any("cycle" in e[2] for e in errors), errors


def test_a_decision_condition_must_depend_on_the_decision() -> None:
    text = GOOD.replace(
        "    due: {minutes: 5}", "    due: {minutes: 5}\n    when: {decision: jurisdiction, is: transfer}"
    )
    errors = _errors(text)
    assert any(e[1] == "steps[0].when" and "must depend on it" in e[2] for e in errors), errors


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a_good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b_broken.yaml").write_text(GOOD.replace("kind: notify", "kind: telegram"), encoding="utf-8")
    (tmp_path / "c_binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "d_same_id.yaml").write_text(GOOD, encoding="utf-8")
    lib = load_library(tmp_path)
    assert [s.playbook.id for s in lib.playbooks] == ["tiny"]
    files = sorted({Path(e.file).name for e in lib.errors})
    assert files == ["b_broken.yaml", "c_binary.yaml", "d_same_id.yaml"]
    rendered = [str(e) for e in lib.errors]
    assert any("b_broken.yaml:14: steps[0].kind:" in r for r in rendered), rendered


def test_a_missing_library_directory_is_an_error_not_an_exception(tmp_path: Path) -> None:
    lib = load_library(tmp_path / "nope")
    assert lib.playbooks == ()


def test_comments_and_key_order_do_not_change_the_hash() -> None:
    first = parse_playbook(GOOD, file="a").snapshot
    second = parse_playbook(
        "# a comment\n" + GOOD.replace("version: 1\n", "") + "version: 1\n", file="b"
    ).snapshot
    changed = parse_playbook(GOOD.replace("{minutes: 5}", "{minutes: 6}"), file="c").snapshot
    assert first is not None and second is not None and changed is not None
    assert first.content_hash == second.content_hash != changed.content_hash


def test_the_example_in_the_docs_loads() -> None:
    text = (Path(__file__).parents[2] / "docs" / "playbooks.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    result = parse_playbook(example, file="docs/playbooks.md")
    assert result.errors == () and result.snapshot is not None
