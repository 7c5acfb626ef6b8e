"""A playbook's notify step may name an escalation policy (逐级通知策略); the name is checked against a
book given to the loader, with file, line and field (the console checks it against the book in force
when an incident starts the playbook: tests/alerts/test_alert_policy_books.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from test_playbook_loader import GOOD

from playbooks.loader import known_policies, parse_playbook

NAMED = GOOD.replace("    due: {minutes: 5}\n", "    due: {minutes: 5}\n    policy: urgent\n", 1)


def test_a_notify_step_names_a_policy_of_the_book() -> None:
    assert "urgent" in known_policies()
    result = parse_playbook(NAMED, file="tiny.yaml")
    assert result.errors == ()
    assert result.snapshot is not None and result.snapshot.playbook.steps[0].policy == "urgent"


def test_a_policy_that_does_not_exist_is_named_with_file_and_line() -> None:
    text = NAMED.replace("policy: urgent", "policy: no-such")
    result = parse_playbook(text, file="tiny.yaml", policies=known_policies())
    assert result.snapshot is None
    [error] = result.errors
    assert (error.file, error.line, error.field) == ("tiny.yaml", 16, "steps[0].policy")
    assert "no escalation policy named 'no-such'" in error.message and "urgent" in error.message
    assert str(error).startswith("tiny.yaml:16")


def test_the_names_are_checked_against_the_book_given() -> None:
    assert parse_playbook(NAMED, file="t", policies=frozenset({"calm"})).snapshot is None
    assert parse_playbook(NAMED, file="t", policies=frozenset({"urgent"})).snapshot is not None


def test_only_a_notify_step_names_a_policy() -> None:
    text = GOOD.replace(
        "    decision: {kind: jurisdiction}\n", "    decision: {kind: jurisdiction}\n    policy: urgent\n"
    )
    result = parse_playbook(text, file="tiny.yaml")
    assert result.snapshot is None
    assert [(e.field, e.message) for e in result.errors] == [
        ("steps[1].policy", "only a notify step names an escalation policy")
    ]


def test_a_malformed_policy_name_is_refused_with_its_line() -> None:
    result = parse_playbook(NAMED.replace("policy: urgent", "policy: 紧急 策略"), file="tiny.yaml")
    assert result.snapshot is None
    assert [(e.line, e.field) for e in result.errors] == [(16, "steps[0].policy")]


def test_an_escalation_may_name_a_policy_too_checked_against_the_book_given() -> None:
    overdue = "    on_overdue: {escalate_after_minutes: 5, escalate_policy: calm}\n"
    text = GOOD.replace("    due: {minutes: 5}\n", "    due: {minutes: 5}\n" + overdue, 1)
    result = parse_playbook(text, file="tiny.yaml")
    assert result.snapshot is not None  # the library loads without a book
    assert [(loc, name) for loc, name in result.snapshot.playbook.named_policies()] == [
        (("steps", 0, "on_overdue", "escalate_policy"), "calm")
    ]
    refused = parse_playbook(text, file="tiny.yaml", policies=known_policies())
    assert refused.snapshot is None
    [error] = refused.errors
    assert error.field == "steps[0].on_overdue.escalate_policy" and "'calm'" in error.message
