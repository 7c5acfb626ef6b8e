"""Sealing encodes a registration's pinned playbook and policy book once per object: the stored text and
the hash stay exactly what encoding the whole payload gives."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from alerts.policy import PinnedBook
from console.alerts.books import legacy_book
from console.commands import Actor
from console.eventlog import GENESIS, Head, encoded, seal
from console.events import NewEvent, canonical_json
from console.incidents.commands import Channel
from console.incidents.events import IncidentRegistered
from playbooks.directory import playbook_for
from playbooks.facts import IncidentType

ACTOR = Actor(id="u1", name="王值班", roles=frozenset({"duty_officer"}))
AT = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)


def _registered(n: int, book: PinnedBook | None, with_playbook: bool = True) -> IncidentRegistered:
    return IncidentRegistered(
        incident_id=f"i{n}",
        number=f"XF-2026-{n:04d}",
        incident_type=IncidentType.SIT_IN,
        place="机关大门",
        head_count=30 + n,
        summary="静坐 “引号” \\ 反斜杠",
        channel=Channel.WALK_IN,
        drill=False,
        started_at="2026-12-04T08:30:00.000000Z",
        playbook=playbook_for("sit_in") if with_playbook else None,
        alert_book=book,
    )


def test_the_text_is_the_whole_payloads_canonical_json_every_time() -> None:
    book = legacy_book()
    payloads = [_registered(1, book), _registered(2, book), _registered(3, None, with_playbook=False)]
    # A book equal in content but another object, and one with another policy: each encoded for itself.
    other = book.model_copy(update={"hash": "0" * 64})
    payloads += [_registered(4, book.model_copy()), _registered(5, other)]
    for payload in payloads:
        data, text = encoded(payload)
        whole = payload.model_dump(mode="json")
        assert data == whole
        assert text == canonical_json(whole)


def test_sealed_events_hash_the_same_text() -> None:
    head = Head(position=0, hash=GENESIS)
    drafts = [NewEvent(stream=f"incident-i{n}", payload=_registered(n, legacy_book())) for n in (1, 2)]
    sealed = seal(head, drafts, actor=ACTOR, recorded_at=AT, occurred_at=AT, command_id="c1")
    for event, draft in zip(sealed, drafts, strict=True):
        assert event.payload_json == canonical_json(draft.payload.model_dump(mode="json"))
        assert event.hash == hashlib.sha256(event.hash_material().encode()).hexdigest()
    assert sealed[1].prev_hash == sealed[0].hash and head.hash == sealed[1].hash
