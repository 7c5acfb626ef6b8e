"""A sealed event's hash is the hash of `RecordedEvent.hash_material`, whatever its text holds: quotes,
backslashes, control characters and other scripts, in a pinned part, in the payload or in the event's
own fields (sealing makes the material from parts, without encoding the whole payload again)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from console.alerts.books import legacy_book
from console.commands import Actor
from console.eventlog import GENESIS, Head, seal
from console.events import NewEvent
from console.incidents.commands import Channel
from console.incidents.events import IncidentNoteAdded, IncidentRegistered
from playbooks.directory import playbook_for
from playbooks.facts import IncidentType

AT = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
ODD = 'a "quote" \\ back\nline\ttab \x00\x1f \u2028 “中文” é 😀 </script>'


def test_every_hash_is_the_hash_of_its_material() -> None:
    book = legacy_book()
    odd_book = book.model_copy(update={"hash": ODD})
    registered = IncidentRegistered(
        incident_id="i1",
        number="XF-2026-0001",
        incident_type=IncidentType.SIT_IN,
        place=ODD,
        head_count=12,
        summary=ODD,
        channel=Channel.WALK_IN,
        drill=False,
        started_at="2026-12-04T08:30:00.000000Z",
        playbook=playbook_for("sit_in"),
        alert_book=odd_book,
    )
    note = IncidentNoteAdded(incident_id="i1", note_id="n1", text=ODD)
    bare = registered.model_copy(update={"playbook": None, "alert_book": None})
    drafts = [
        NewEvent(stream=f"incident-{ODD}", payload=p, visibility="all")
        for p in (registered, note, bare, registered)
    ]
    head = Head(position=41, hash=GENESIS)
    for command_id in (None, ODD):
        actor = Actor(id=ODD, name=ODD, roles=frozenset({"duty_officer"}))
        sealed = seal(head, drafts, actor=actor, recorded_at=AT, occurred_at=AT, command_id=command_id)
        for event in sealed:
            assert event.hash == hashlib.sha256(event.hash_material().encode()).hexdigest()
        assert [e.position for e in sealed] == list(range(sealed[0].position, head.position + 1))
