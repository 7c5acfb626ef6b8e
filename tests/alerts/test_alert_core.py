"""The alerts core without I/O: retry schedule, policies and escalation steps, links, masking, text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.channels import ChannelKind, kind_of, masked, scrub
from alerts.links import LinkRefused, make_token, read_token
from alerts.message import DRILL_MARK, AlertFacts, Ask, compose
from alerts.policy import Policy, PolicyError, Target, builtin_book, next_step, parse_book, resolve
from alerts.schedule import RetryPolicy, after_failure, backoff

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
RETRY = RetryPolicy(attempts_per_channel=3, base_seconds=10, factor=2, cap_seconds=60, jitter=0.2)


@pytest.mark.parametrize(
    ("channel", "attempt", "channels", "expected"),
    [
        (0, 1, 2, (0, 2)),  # retry the same channel
        (0, 2, 2, (0, 3)),
        (0, 3, 2, (1, 1)),  # used up: the next channel, at once
        (1, 3, 2, None),  # every channel used up
    ],
)
def test_after_a_failure(channel: int, attempt: int, channels: int, expected: tuple[int, int] | None) -> None:
    nxt = after_failure(RETRY, channel_index=channel, attempt_no=attempt, channels=channels, key="k", now=T0)
    assert (None if nxt is None else (nxt.channel_index, nxt.attempt_no)) == expected
    if nxt is not None and nxt.channel_index != channel:
        assert nxt.due_at == T0


def test_backoff_grows_is_capped_and_its_jitter_is_bounded_and_repeatable() -> None:
    delays = [backoff(RETRY, n, "key").total_seconds() for n in (1, 2, 3, 4, 5)]
    for n, delay in enumerate(delays, start=1):
        nominal = min(60, 10 * 2 ** (n - 1))
        assert nominal * 0.8 <= delay <= nominal * 1.2
    assert delays == [backoff(RETRY, n, "key").total_seconds() for n in (1, 2, 3, 4, 5)]
    assert len({backoff(RETRY, 1, f"k{i}") for i in range(20)}) > 1  # keys spread out


URGENT = Policy.model_validate(
    {
        "id": "u",
        "urgency": "urgent",
        "levels": [
            {"targets": [{"person": "a"}], "ack_timeout_minutes": 3, "repeat": 1},
            {"targets": [{"role": "boss"}], "ack_timeout_minutes": 5},
        ],
    }
)


@pytest.mark.parametrize(
    ("policy", "at", "expected"),
    [
        (URGENT, (0, 0), (0, 1, 3)),  # urgent: the level once more
        (URGENT, (0, 1), (1, 0, 5)),
        (URGENT, (1, 0), None),  # the chain ran out
        (URGENT.model_copy(update={"urgency": "normal"}), (0, 0), (1, 0, 5)),  # normal: no repeats
    ],
)
def test_escalation_steps(policy: Policy, at: tuple[int, int], expected: tuple[int, int, int] | None) -> None:
    step = next_step(policy, at[0], at[1], T0)
    got = None if step is None else (step.level, step.round, int((step.next_at - T0).total_seconds() // 60))
    assert got == expected


def test_targets_resolve_to_people_in_order_once_each() -> None:
    roles = {"a": frozenset({"boss"}), "b": frozenset({"boss", "x"}), "c": frozenset()}
    targets = (Target(post="leader_on_duty"), Target(role="boss"), Target(person="c"), Target(person="ghost"))
    assert resolve(targets, roles, {"leader_on_duty": ["b"]}) == ["b", "a", "c"]
    # A unit names its people (a township's, say) as the organisation has them when the page goes out.
    units: dict[str, str | None] = {"a": "town", "b": "office", "c": "town", "d": None}
    by_unit = (Target(unit="town"), Target(person="b"), Target(unit="nowhere"))
    assert resolve(by_unit, roles, {}, units) == ["a", "c", "b"]
    with pytest.raises(ValueError, match="exactly one of person, role, post or unit"):
        Target(unit="town", role="boss")


def test_a_units_people_include_those_of_the_units_under_it_unless_the_target_says_below_false() -> None:
    roles: dict[str, frozenset[str]] = {p: frozenset() for p in ("t", "v", "w", "o")}
    # county > town > village > hamlet; 'other' is a sibling of town.
    parents: dict[str, str | None] = {
        "county": None,
        "town": "county",
        "village": "town",
        "hamlet": "village",
        "other": "county",
    }
    units: dict[str, str | None] = {"t": "town", "v": "village", "w": "hamlet", "o": "other"}
    assert resolve((Target(unit="town"),), roles, {}, units, parents) == ["t", "v", "w"]
    assert resolve((Target(unit="village"),), roles, {}, units, parents) == ["v", "w"]
    assert resolve((Target(unit="town", below=False),), roles, {}, units, parents) == ["t"]
    assert resolve((Target(unit="county"),), roles, {}, units, parents) == ["o", "t", "v", "w"]
    # A cycle (the import refuses them) cannot make the walk loop.
    looped = {**parents, "town": "hamlet"}
    assert resolve((Target(unit="town"),), roles, {}, units, looped) == ["t", "v", "w"]
    with pytest.raises(ValueError, match="below is for a unit target only"):
        Target(role="boss", below=False)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("default: x\npolicies: []", "policies"),
        (
            "default: nope\npolicies: [{id: a, levels: [{targets: [{role: r}], ack_timeout_minutes: 1}]}]",
            "no policy",
        ),
        (
            "default: a\npolicies: [{id: a, levels: [{targets: [{role: r, person: p}],"
            " ack_timeout_minutes: 1}]}]",
            "exactly one",
        ),
        (
            "default: a\npolicies: [{id: a, levels: [{targets: [{role: r}], ack_timeout_minutes: 0}]}]",
            "ack_timeout",
        ),
        (": : :", "not YAML"),
    ],
)
def test_a_policy_book_that_cannot_be_used_is_refused_naming_what(text: str, where: str) -> None:
    with pytest.raises(PolicyError, match=where):
        parse_book(text)


def test_the_builtin_book_loads_and_sit_ins_are_urgent() -> None:
    book = builtin_book()
    assert book.for_type("sit_in").urgency.value == "urgent"
    assert book.for_type("screening").urgency.value == "normal"


def test_a_link_is_genuine_until_it_expires_and_nothing_else_passes() -> None:
    token = make_token("key", "a12", "leader", "email", T0, timedelta(minutes=30))
    claim = read_token("key", token, T0 + timedelta(minutes=29))
    assert (claim.alert_id, claim.person_id, claim.via) == ("a12", "leader", "email")
    with pytest.raises(LinkRefused, match="link_expired"):
        read_token("key", token, T0 + timedelta(minutes=30))
    with pytest.raises(LinkRefused, match="link_invalid"):
        read_token("other-key", token, T0)
    parts = token.split(".")
    swapped = ".".join(
        [parts[0], make_token("key", "a12", "boss", "email", T0, timedelta(1)).split(".")[1], *parts[2:]]
    )
    for forged in (swapped, token + "x", "a.b.c", "", token.replace(".", "..", 1)):
        with pytest.raises(LinkRefused, match="link_invalid"):
            read_token("key", forged, T0)


def test_a_channel_is_shown_without_its_secret() -> None:
    url = "dingtalk://SECRETTOKEN1234/?secret=ABCDEF9876"
    assert kind_of(url) is ChannelKind.DINGTALK and kind_of("console://") is ChannelKind.IN_APP
    assert "SECRET" not in masked(url) and "ABCDEF" not in masked(url)
    said = scrub("posting to SECRETTOKEN1234 failed (secret=ABCDEF9876)", url)
    assert "SECRETTOKEN1234" not in said and "ABCDEF9876" not in said


def test_the_message_says_number_type_place_and_ask_and_marks_drills() -> None:
    facts = AlertFacts(
        ask=Ask.GO_TO_SCENE,
        number="XF-2026-0007",
        incident_type="sit_in",
        level="larger",
        place="机关大门",
        escalation_level=2,
        link="https://c/a/t",
        dedupe_key="abc",
    )
    zh = compose(facts)
    assert "请立即赶赴机关大门" in zh.body and "XF-2026-0007" in zh.body and "静坐围堵" in zh.body
    assert "较大" in zh.body and "https://c/a/t" in zh.body and "参考码: abc" in zh.body
    assert not zh.title.startswith(DRILL_MARK)
    en = compose(facts, "en")
    assert "Please go to 机关大门 at once" in en.body and "Incident: XF-2026-0007" in en.body
    drill = compose(AlertFacts(ask=Ask.DISPATCHED, drill=True))
    assert drill.title.startswith(DRILL_MARK) and drill.body.startswith(DRILL_MARK) and "现场" in drill.body
    assert "XF" not in compose(AlertFacts(ask=Ask.TEST, number="not a number!")).body
