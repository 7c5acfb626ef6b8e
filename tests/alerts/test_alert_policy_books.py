"""The escalation policy book is pinned when an incident is registered (as its run pins its playbook):
a changed YAML book or organisation import, a restart or a rebuild never changes a live escalation, and
a new incident follows the new book. The organisation's own policies come in through `org.import`
(table `policies`, YAML), checked first; a playbook naming a policy the book lacks cannot start."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from alert_console import PEOPLE, UNITS, AlertConsole
from support import Deployment

from alerts.policy import PinnedBook, Policy, book_hash, builtin_book, canonical_json
from alerts.policy_io import export_policies, import_policies
from console.alerts.books import imported_policies
from console.alerts.config import check_settings
from console.alerts.tables import alert_books, alert_incidents, alert_pages, alert_policies, alerts
from console.eventlog import head_position
from console.maintenance import rebuild
from console.settings import Settings, SettingsError
from playbooks.loader import LIBRARY_DIR
from responders.io import Format

BOOK_A = """
default: normal
by_type: {sit_in: urgent}
policies:
  - id: urgent
    urgency: urgent
    levels:
      - {targets: [{post: leader_on_duty}], ack_timeout_minutes: 3, repeat: 1}
      - {targets: [{person: boss}], ack_timeout_minutes: 5}
  - id: normal
    levels:
      - {targets: [{post: leader_on_duty}], ack_timeout_minutes: 10}
"""

# The same policy id, edited: no repeat, and the second level is the petition officer r1.
BOOK_B = BOOK_A.replace("ack_timeout_minutes: 3, repeat: 1", "ack_timeout_minutes: 3").replace(
    "{person: boss}", "{person: r1}"
)

GATE_GUARD = """
policies:
  - id: gate_guard
    urgency: urgent
    incident_types: [sit_in]
    levels:
      - targets: [{person: r1}]
        ack_timeout_minutes: 2
      - targets: [{role: commission_leader}]
        ack_timeout_minutes: 4
"""


@pytest.fixture
def book_file(tmp_path: Path) -> Path:
    path = tmp_path / "policies.yaml"
    path.write_text(BOOK_A, encoding="utf-8")
    return path


def _with_book(deployment: Deployment, path: Path) -> Settings:
    extra = {**deployment.settings.extra, "CONSOLE_ALERT_POLICIES": str(path)}
    settings: Settings = dataclasses.replace(deployment.settings, extra=extra)
    return settings


async def _started(settings: Settings) -> AlertConsole:
    return await AlertConsole(settings).start()


def _edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _remove(path: Path) -> None:
    path.unlink()


async def _paged(console: AlertConsole, incident_id: str) -> list[tuple[str, int, int]]:
    ids = {a.id for a in await console.rows(alerts, alerts.c.incident_id == incident_id)}
    pages = [p for p in await console.rows(alert_pages) if p.alert_id in ids]
    return sorted((p.person_id, p.level, p.round) for p in pages)


async def test_a_live_escalation_follows_the_book_it_started_with_across_an_edit_a_restart_and_a_rebuild(
    alert_deployment: Deployment, book_file: Path
) -> None:
    settings = _with_book(alert_deployment, book_file)
    first = await _started(settings)
    try:
        await first.organisation()
        old = await first.sit_in()
    finally:
        await first.stop()

    _edit(book_file, BOOK_B)  # the office edits its book, then restarts
    console = await _started(settings)
    try:
        pinned = (
            await console.rows(alert_incidents),
            await console.rows(alert_books),
            await console.alert_rows(),
        )
        await rebuild(console.db, console.registry)  # the projections replayed from the log
        assert (
            await console.rows(alert_incidents),
            await console.rows(alert_books),
            await console.alert_rows(),
        ) == pinned
        new = await console.sit_in()
        [old_row] = await console.rows(alert_incidents, alert_incidents.c.incident_id == old)
        [new_row] = await console.rows(alert_incidents, alert_incidents.c.incident_id == new)
        assert old_row.book_hash != new_row.book_hash
        assert len(await console.rows(alert_books)) == 2  # each book once, keyed by its hash

        console.clock.move(minutes=3, seconds=1)
        await console.drain()
        assert await _paged(console, old) == [("leader", 0, 0), ("leader", 0, 1)]  # A repeats the level
        assert await _paged(console, new) == [("leader", 0, 0), ("r1", 1, 0)]  # B goes on, to r1

        console.clock.move(minutes=3, seconds=1)
        await console.drain()
        assert ("boss", 1, 0) in await _paged(console, old)  # A's second level, not B's
        assert all(person != "r1" for person, _, _ in await _paged(console, old))
    finally:
        await console.stop()


async def test_the_organisations_policies_are_imported_checked_exported_and_pinned(
    console: AlertConsole,
) -> None:
    imported = await console.ok("org.import", {"table": "policies", "format": "yaml", "text": GATE_GUARD})
    assert imported == {"rows": 1}
    incident_id = await console.sit_in()
    [alert] = await console.rows(alerts, alerts.c.incident_id == incident_id)
    assert Policy.model_validate_json(alert.chain).id == "gate_guard"  # its incident type starts with it
    assert await _paged(console, incident_id) == [("r1", 0, 0)]

    # The policy is edited in a new import: the live incident keeps the one it started with.
    edited = GATE_GUARD.replace("[{person: r1}]", "[{person: duty}]")
    await console.ok("org.import", {"table": "policies", "format": "yaml", "text": edited})
    later = await console.sit_in()
    assert await _paged(console, later) == [("duty", 0, 0)]
    console.clock.move(minutes=2, seconds=1)
    await console.drain()
    assert await _paged(console, incident_id) == [("boss", 1, 0), ("r1", 0, 0)]

    async with console.db.read.connect() as conn:
        exported = await conn.run_sync(lambda c: export_policies(imported_policies(c)))
    again = import_policies(exported, Format.YAML)
    assert again.ok and [p.id for p in again.items] == ["gate_guard"]
    assert again.items[0].levels[0].targets[0].person == "duty"


@pytest.mark.parametrize(
    ("text", "fmt", "row", "column"),
    [
        (GATE_GUARD.replace("ack_timeout_minutes: 2", "ack_timeout_minutes: 0"), "yaml", 1, "levels.0"),
        (GATE_GUARD.replace("[sit_in]", "[picnic]"), "yaml", 1, "incident_types"),
        (GATE_GUARD.replace("urgency: urgent", "urgency: urgent\n    colour: red"), "yaml", 1, "colour"),
        (GATE_GUARD, "csv", 0, None),
        ("policies: [", "yaml", 0, None),
        # Targets the organisation does not have: refused naming the target, not paging nobody later.
        (GATE_GUARD.replace("{person: r1}", "{person: ghost}"), "yaml", 1, "levels.0.targets.0.person"),
        (GATE_GUARD.replace("{person: r1}", "{unit: nowhere}"), "yaml", 1, "levels.0.targets.0.unit"),
        (
            GATE_GUARD.replace("{role: commission_leader}", "{role: mayor}"),
            "yaml",
            1,
            "levels.1.targets.0.role",
        ),
        (GATE_GUARD.replace("{person: r1}", "{post: night_watch}"), "yaml", 1, "levels.0.targets.0.post"),
        # A removal of a policy the organisation never imported, or with more than its id.
        ("- {id: gate_guard, removed: true}", "yaml", 1, "id"),
        (GATE_GUARD + "  - {id: gate_guard, removed: true, urgency: normal}", "yaml", 2, "urgency"),
    ],
)
async def test_a_bad_policy_refuses_the_import_with_a_translated_reason_and_saves_nothing(
    console: AlertConsole, text: str, fmt: str, row: int, column: str | None
) -> None:
    async with console.db.read.connect() as conn:
        before = await head_position(conn)
    refused = await console.submit("org.import", {"table": "policies", "format": fmt, "text": text})
    assert not refused.ok and refused.error is not None and refused.error.code == "import_rejected"
    errors = refused.error.to_dict("zh_CN", console.registry.messages)["errors"]
    assert isinstance(errors, list) and errors[0]["row"] == row
    assert column is None or str(errors[0]["column"]).startswith(column)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(errors[0]["message"]))  # said in Chinese
    assert await console.rows(alert_policies) == []
    async with console.db.read.connect() as conn:
        assert await head_position(conn) == before  # nothing appended


REMOVE_GATE_GUARD = "- {id: gate_guard, removed: true}\n"


async def test_an_imported_policy_is_removed_for_new_incidents_and_a_live_one_keeps_it(
    console: AlertConsole,
) -> None:
    await console.ok("org.import", {"table": "policies", "format": "yaml", "text": GATE_GUARD})
    live = await console.sit_in()
    assert await _paged(console, live) == [("r1", 0, 0)]

    removed = await console.ok(
        "org.import", {"table": "policies", "format": "yaml", "text": REMOVE_GATE_GUARD}
    )
    assert removed == {"rows": 0, "removed": "gate_guard"}
    assert await console.rows(alert_policies) == []
    later = await console.sit_in()  # back to the book's own urgent policy for sit-ins
    [alert] = await console.rows(alerts, alerts.c.incident_id == later)
    assert Policy.model_validate_json(alert.chain).id == "urgent"
    assert await _paged(console, later) == [("leader", 0, 0)]

    console.clock.move(minutes=2, seconds=1)
    await console.drain()
    assert ("boss", 1, 0) in await _paged(console, live)  # the pinned gate_guard's second level

    again = await console.submit(
        "org.import", {"table": "policies", "format": "yaml", "text": REMOVE_GATE_GUARD}
    )
    assert again.error is not None and again.error.code == "import_rejected"
    [error] = again.error.to_dict("zh_CN", console.registry.messages)["errors"]
    assert error["message"] == "「gate_guard」不是已导入的通知策略，无法删除"

    await rebuild(console.db, console.registry)  # the removal is in the log: replayed the same
    assert await console.rows(alert_policies) == []


@pytest.fixture
async def naming(alert_deployment: Deployment, tmp_path: Path) -> AsyncIterator[AlertConsole]:
    """A library whose collective-visit playbook's notify step names the office's own `gate_guard`."""
    library = tmp_path / "playbooks"
    shutil.copytree(LIBRARY_DIR, library)
    path = library / "collective_visit.yaml"
    head, tail = path.read_text(encoding="utf-8").split("  - id: notify_leader\n", 1)
    tail = tail.replace("    kind: notify\n", "    kind: notify\n    policy: gate_guard\n", 1)
    path.write_text(head + "  - id: notify_leader\n" + tail, encoding="utf-8")
    settings = dataclasses.replace(alert_deployment.settings, playbook_dir=str(library))
    made = await AlertConsole(settings).start()
    try:
        await made.organisation()
        yield made
    finally:
        await made.stop()


async def test_a_playbook_naming_a_policy_the_book_lacks_cannot_start_and_can_once_it_is_imported(
    naming: AlertConsole,
) -> None:
    args = {"type": "collective_visit", "place": "接待大厅", "head_count": 100}
    refused = await naming.submit("incident.register", args)
    assert not refused.ok and refused.error is not None and refused.error.code == "playbook_policy_unknown"
    message = refused.error.message("zh_CN", naming.registry.messages)
    assert message.startswith("预案步骤引用的通知策略不在通知策略库中")
    assert message.endswith("collective_visit / notify_leader → gate_guard")
    assert refused.error.message("en", naming.registry.messages).startswith("A playbook step names")

    only = yaml.safe_load(GATE_GUARD)
    only["policies"][0]["incident_types"] = []  # named by the step only, not by a type
    await naming.ok("org.import", {"table": "policies", "format": "yaml", "text": yaml.safe_dump(only)})
    incident_id = str((await naming.ok("incident.register", args))["incident_id"])
    naming.clock.move(minutes=11)
    fired = await naming.submit(
        "run.fire", {"incident_id": incident_id, "key": "remind:step:notify_leader"}, internal=True
    )
    assert fired.ok, fired.error and fired.error.code
    [row] = await naming.rows(alerts, alerts.c.incident_id == incident_id, alerts.c.ask == "step_overdue")
    chain = Policy.model_validate_json(row.chain)
    # The step's role holder first, then the office's policy's later level (commission leaders).
    assert chain.id == "gate_guard" and chain.levels[1].targets[0].role == "commission_leader"

    # While the playbook's step names it, the office's policy cannot be removed: the reason says where.
    refused = await naming.submit(
        "org.import", {"table": "policies", "format": "yaml", "text": REMOVE_GATE_GUARD}
    )
    assert refused.error is not None and refused.error.code == "import_rejected"
    [zh] = refused.error.to_dict("zh_CN", naming.registry.messages)["errors"]
    assert zh["message"] == "「gate_guard」仍被预案引用，不能删除：collective_visit / notify_leader"
    [en] = refused.error.to_dict("en", naming.registry.messages)["errors"]
    assert "still named by a playbook" in en["message"]
    assert [r.id for r in await naming.rows(alert_policies)] == ["gate_guard"]


def test_a_book_read_back_from_the_log_hashes_and_reads_the_same() -> None:
    book = PinnedBook.pin(builtin_book())  # by_type of three types, in the YAML's order
    stored = json.dumps(book.model_dump(mode="json"), sort_keys=True)  # as the log keeps a payload
    again = PinnedBook.model_validate_json(stored)
    assert book_hash(again.book) == book.hash and canonical_json(again.book) == canonical_json(book.book)


def test_a_book_that_cannot_be_used_stops_the_console_at_start_naming_the_variable(
    alert_deployment: Deployment, book_file: Path
) -> None:
    _edit(book_file, BOOK_A.replace("ack_timeout_minutes: 3", "ack_timeout_minutes: soon"))
    with pytest.raises(SettingsError, match=r"CONSOLE_ALERT_POLICIES=.*policies\.yaml.*ack_timeout_minutes"):
        check_settings(_with_book(alert_deployment, book_file))


async def test_a_book_file_removed_while_running_leaves_registration_on_the_last_book_read(
    alert_deployment: Deployment, book_file: Path
) -> None:
    console = await _started(_with_book(alert_deployment, book_file))
    try:
        await console.organisation()
        first = await console.sit_in()
        _remove(book_file)
        second = await console.sit_in()  # not refused: the console goes on with what it read last
        rows = await console.rows(alert_incidents)
        assert {r.incident_id for r in rows} == {first, second}
        assert len({r.book_hash for r in rows}) == 1
    finally:
        await console.stop()


@pytest.fixture
async def escalating(alert_deployment: Deployment, tmp_path: Path) -> AsyncIterator[AlertConsole]:
    """A library whose collective-visit playbook escalates overdue steps through the office's `gate_guard`."""
    library = tmp_path / "playbooks"
    shutil.copytree(LIBRARY_DIR, library)
    path = library / "collective_visit.yaml"
    text = path.read_text(encoding="utf-8")
    default = "  on_overdue: {remind_after_minutes: 0, escalate_after_minutes: 15}\n"
    assert default in text
    _edit(path, text.replace(default, default[:-2] + ", escalate_policy: gate_guard}\n", 1))
    settings = dataclasses.replace(alert_deployment.settings, playbook_dir=str(library))
    made = await AlertConsole(settings).start()
    try:
        await made.organisation()
        yield made
    finally:
        await made.stop()


async def test_an_escalation_pages_through_the_policy_it_names_and_a_reminder_does_not(
    escalating: AlertConsole,
) -> None:
    args = {"type": "collective_visit", "place": "接待大厅", "head_count": 100}
    refused = await escalating.submit("incident.register", args)
    assert not refused.ok and refused.error is not None and refused.error.code == "playbook_policy_unknown"
    assert refused.error.params["detail"] == "collective_visit / defaults → gate_guard"

    only = yaml.safe_load(GATE_GUARD)
    only["policies"][0]["incident_types"] = []
    await escalating.ok("org.import", {"table": "policies", "format": "yaml", "text": yaml.safe_dump(only)})
    incident_id = str((await escalating.ok("incident.register", args))["incident_id"])
    escalating.clock.move(minutes=26)  # notify_leader: due at 10 minutes, escalated 15 after
    chains = {}
    for kind, ask in (("remind", "step_overdue"), ("escalate", "escalated")):
        key = f"{kind}:step:notify_leader"
        fired = await escalating.submit("run.fire", {"incident_id": incident_id, "key": key}, internal=True)
        assert fired.ok, fired.error and fired.error.code
        [row] = await escalating.rows(alerts, alerts.c.incident_id == incident_id, alerts.c.ask == ask)
        chains[kind] = Policy.model_validate_json(row.chain)
    assert chains["remind"].id == "normal"  # the incident's (a collective visit's)
    assert chains["escalate"].id == "gate_guard"  # the escalation's own
    assert chains["escalate"].levels[1].targets[0].role == "commission_leader"


async def test_a_level_may_page_a_units_people_as_the_organisation_has_them_when_it_fires(
    console: AlertConsole,
) -> None:
    """A unit is a group (the petition office's people, a township's): resolved at send time from
    the organisation, so someone who joined the unit since the import is paged too."""
    by_unit = GATE_GUARD.replace("[{person: r1}]", "[{unit: office}]")
    assert await console.ok("org.import", {"table": "policies", "format": "yaml", "text": by_unit}) == {
        "rows": 1
    }
    incident_id = await console.sit_in()
    assert await _paged(console, incident_id) == [("duty", 0, 0), ("r1", 0, 0)]  # the office's people
    joined = PEOPLE + "r2,李二,office,干部,petition_staff,reception,13800000002,hall\n"
    await console.ok("org.import", {"table": "people", "text": joined})
    later = await console.sit_in()
    assert await _paged(console, later) == [("duty", 0, 0), ("r1", 0, 0), ("r2", 0, 0)]
    refused = await console.submit(
        "org.import",
        {
            "table": "policies",
            "format": "yaml",
            "text": by_unit.replace("{unit: office}", "{unit: office, role: x}"),
        },
    )
    assert refused.error is not None and refused.error.code == "import_rejected"


async def test_a_unit_pages_the_people_of_the_units_under_it_unless_the_level_says_below_false(
    console: AlertConsole,
) -> None:
    """The commission (county) has the petition office under it: paging the county reaches the
    office's people too, read from the organisation's tree when the page goes out."""
    whole = GATE_GUARD.replace("[{person: r1}]", "[{unit: county}]")
    await console.ok("org.import", {"table": "policies", "format": "yaml", "text": whole})
    incident_id = await console.sit_in()
    everyone = [("boss", 0, 0), ("duty", 0, 0), ("leader", 0, 0), ("r1", 0, 0)]
    assert await _paged(console, incident_id) == everyone
    own = GATE_GUARD.replace("[{person: r1}]", "[{unit: county, below: false}]")
    await console.ok("org.import", {"table": "policies", "format": "yaml", "text": own})
    later = await console.sit_in()
    assert await _paged(console, later) == [("boss", 0, 0), ("leader", 0, 0)]  # the county's own only
    # A unit added under the office later is included when the next page goes out.
    units = UNITS + "desk,接访组,petition_office,office\n"
    await console.ok("org.import", {"table": "units", "text": units})
    joined = PEOPLE + "r3,李三,desk,干部,petition_staff,reception,13800000003,hall\n"
    await console.ok("org.import", {"table": "people", "text": joined})
    await console.ok("org.import", {"table": "policies", "format": "yaml", "text": whole})
    third = await console.sit_in()
    assert ("r3", 0, 0) in await _paged(console, third)
