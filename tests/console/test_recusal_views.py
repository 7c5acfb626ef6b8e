"""回避 in the spine's terms, without a database: who gets the `recusal` view, and which frames it gets."""

from __future__ import annotations

import pytest

from console.domains import registry
from console.events import RecordedEvent
from console.hub import render
from console.permissions import may_see, visible_classes

DECLARED = frozenset(registry().visibility_classes)


def _event(visibility: str) -> RecordedEvent:
    return RecordedEvent(
        position=1,
        stream="incident-x",
        type="incident.note_added",
        actor_id="u",
        actor_name="u",
        occurred_at="2026-01-01T00:00:00.000000Z",
        recorded_at="2026-01-01T00:00:00.000000Z",
        visibility=visibility,
        command_id=None,
        payload_json='{"incident_id":"x","note_id":"n","text":"t"}',
        prev_hash="0" * 64,
        hash="1" * 64,
    )


@pytest.mark.parametrize(
    ("roles", "sees"),
    [
        ({"duty_officer"}, True),
        ({"inspector"}, True),
        ({"leader"}, True),  # who approves (签发) its upward reports
        ({"reviewer"}, False),
        ({"admin"}, False),
        ({"leader", "commission_head"}, False),
        ({"duty_officer", "commission_head"}, False),  # the head never, whatever else he holds
    ],
)
def test_who_gets_the_recusal_view(roles: set[str], sees: bool) -> None:
    view = registry().view_of(roles)
    assert ("recusal" in view.split("+")) is sees
    assert (render(_event("recusal"), view, registry().public_data, DECLARED) is not None) is sees
    assert render(_event("all"), view, registry().public_data, DECLARED) is not None


@pytest.mark.parametrize(
    ("visibility", "classes", "seen"),
    [
        ("all", {"all"}, True),
        ("recusal", {"all"}, False),
        ("audit+recusal", {"all", "audit"}, False),
        ("audit+recusal", {"all", "recusal"}, False),
        ("audit+recusal", {"all", "audit", "recusal"}, True),
    ],
)
def test_an_event_of_two_classes_needs_both(visibility: str, classes: set[str], seen: bool) -> None:
    assert may_see(visibility, frozenset(classes)) is seen


def test_a_class_nobody_declared_is_no_class() -> None:
    assert visible_classes("staff+recusal+nonsense", DECLARED) == {"all", "recusal"}
    assert visible_classes("staff+recusal") == {"all"}
