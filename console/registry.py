"""What the domains bring, declared in one object each, and the registry the runtime is handed.

DESIGN §2: the unit of work is generic and each domain owns its decisions. A domain package declares a
`Domain` (its commands, events, projectors keyed by payload class, projection tables, snapshot parts,
error messages, permissions and timers) and the composition root (console.domains) hands the list to
the runtime. Nothing registers itself when a module is imported: a domain left out of the list is not a
silent `unknown_command` but a registry that refuses to build, or a start that names the event types in
the log no domain declares.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, select
from sqlalchemy.engine import Connection

from .commands import Actor, CommandEnvelope, CommandSpec
from .events import UNIT_ATTR, VISIBILITY_ALL, EventPayload, NewEvent, RecordedEvent
from .i18n import MESSAGES as CORE_MESSAGES
from .permissions import GRANTS as CORE_GRANTS
from .permissions import view_of
from .roles import Role

if TYPE_CHECKING:
    from .settings import Settings
    from .timers import TimerHost

# Projectors and snapshot parts are plain functions over a synchronous connection: the command writer
# runs them inside its transaction (console.db.Database.run_write), readers through run_sync.
Projector = Callable[[Connection, RecordedEvent], None]
# A part is given the process's settings: what it shows may depend on them (grading thresholds).
SnapshotPart = Callable[[Connection, str, "Settings"], Any]
# A timer is one long-running task of a console process (playbook deadlines, roll calls).
Timer = Callable[["TimerHost"], Coroutine[Any, Any, None]]
# Who receives a visibility class a domain's events may carry (given the roles of the view's people).
ClassHolders = Callable[[frozenset[str]], bool]
# The visibility class a new event of any domain must carry instead of "all" (None: no change).
Classify = Callable[[Connection, NewEvent], str | None]
# Refuses (raising a ConsoleError) a command whose actor may not know of what it names.
Guard = Callable[[Connection, Any, Actor], None]
# The incidents a view must not be shown, whatever the visibility of events written before they were
# withheld (an incident marked later: its earlier events were written for everyone).
Withheld = Callable[[Connection, str], frozenset[str]]
# Whether a client of this view resuming after this position must take a fresh snapshot: something it
# may hold has been withdrawn from it since (an incident marked 回避 after the client had it).
ResyncAfter = Callable[[Connection, str, int], bool]
# Whether an event withdraws something from the views that cannot see it: their live clients resync.
Withdraws = Callable[[RecordedEvent], bool]
# 督查范围: the unit an event belongs to, for views limited to some units (an inspector's), read after
# its projections in the caller's transaction; None: it is about no one unit (every view may have it).
UnitOf = Callable[[Connection, RecordedEvent], str | None]
# The snapshot of a view limited to these units (rows about other units' incidents left out).
NarrowSnapshot = Callable[[Connection, dict[str, Any], frozenset[str]], dict[str, Any]]
# Whether an event may change what a view limited to units holds: those views' live clients resync.
Rescopes = Callable[[RecordedEvent], bool]
# Whether a client of a limited view resuming after this position must take a fresh snapshot.
RescopedAfter = Callable[[Connection, int], bool]
# Told the log head's hash by the command writer, inside its transaction and under the head's lock: at
# the start of a batch (the log as every command of it is judged against) and once its events are
# sealed (the log the batch leaves if it commits). The hash names the whole log, so a domain may keep
# what the log decided (the incidents marked 回避) on the connection and trust it while the head is
# the one it saw, instead of reading it again per command; another process's commit changes the hash.
# A domain may also gather what its projectors would write per event during the batch and write it
# once at `batch_sealed`, in the same transaction, if nothing of the batch reads it meanwhile.
BatchHook = Callable[[Connection, str], None]
# Told the batch's commands by the command writer, after `batch_started` and before any is judged: a
# domain may read what its commands will load, for the whole batch in one statement, and keep it for
# this transaction, its loads then using it instead of a statement each (what the batch's own
# projections change since, the domain forgets). The envelopes are as sent: arguments not yet validated.
BatchCommands = Callable[[Connection, Sequence[CommandEnvelope]], None]


class RegistryError(RuntimeError):
    """The domains handed to the runtime do not fit together; the message says which and why."""


@dataclass(frozen=True)
class Domain:
    """Everything one domain brings to the spine."""

    name: str
    commands: Sequence[CommandSpec[Any, Any]] = ()
    events: Sequence[type[EventPayload]] = ()
    # Keyed by the payload class, so an event is named once (by its class) and a typo cannot hide.
    projectors: Mapping[type[EventPayload], Sequence[Projector]] = field(default_factory=dict)
    # Projection tables: `rebuild` empties and refills them (in this order).
    tables: Sequence[Table] = ()
    snapshot_parts: Mapping[str, SnapshotPart] = field(default_factory=dict)
    # Error code -> English source text (translated through the console's catalog).
    messages: Mapping[str, str] = field(default_factory=dict)
    # Permission -> the roles holding it.
    grants: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    timers: Sequence[tuple[str, Timer]] = ()
    # Checks the settings this domain reads (raising SettingsError naming the variable).
    check_settings: Callable[[Settings], None] | None = None
    # Visibility classes beyond the spine's, and who receives them (the incidents' 回避 class).
    visibility_classes: Mapping[str, ClassHolders] = field(default_factory=dict)
    classify: Classify | None = None
    guard: Guard | None = None
    withheld: Withheld | None = None
    resync_after: ResyncAfter | None = None
    withdraws: Withdraws | None = None
    # 督查范围 on the live stream (console.review.live_scope): one domain at most answers these.
    unit_of: UnitOf | None = None
    narrow_snapshot: NarrowSnapshot | None = None
    rescopes: Rescopes | None = None
    rescoped_after: RescopedAfter | None = None
    batch_started: BatchHook | None = None
    batch_sealed: BatchHook | None = None
    batch_commands: BatchCommands | None = None


class Registry:
    """The domains of one console, checked to fit together and indexed for the unit of work."""

    def __init__(self, domains: Iterable[Domain]) -> None:
        self.domains: tuple[Domain, ...] = tuple(domains)
        self.commands: dict[str, CommandSpec[Any, Any]] = {}
        self.event_types: dict[str, type[EventPayload]] = {}
        self.projectors: dict[str, list[Projector]] = {}
        self.tables: list[Table] = []
        self.snapshot_parts: dict[str, SnapshotPart] = {}
        self.messages: dict[str, str] = dict(CORE_MESSAGES)
        self.grants: dict[str, frozenset[Role]] = {str(p): roles for p, roles in CORE_GRANTS.items()}
        self.timers: list[tuple[str, Timer]] = []
        self.visibility_classes: dict[str, ClassHolders] = {}
        names: set[str] = set()
        for domain in self.domains:
            if domain.name in names:
                raise RegistryError(f"domain {domain.name} is listed twice")
            names.add(domain.name)
            self._add(domain)
        self._check()

    def _add(self, domain: Domain) -> None:
        def once(kind: str, key: str, seen: Mapping[str, object]) -> None:
            if key in seen:
                raise RegistryError(f"{kind} {key} of domain {domain.name} is declared twice")

        for cls in domain.events:
            once("event type", cls.event_type, self.event_types)
            self.event_types[cls.event_type] = cls
        for spec in domain.commands:
            once("command", spec.name, self.commands)
            self.commands[spec.name] = spec
        for code, text in domain.messages.items():
            once("error code", code, self.messages)
            self.messages[code] = text
        for permission, roles in domain.grants.items():
            once("permission", str(permission), self.grants)
            self.grants[str(permission)] = roles
        for part_name, part in domain.snapshot_parts.items():
            once("snapshot part", part_name, self.snapshot_parts)
            self.snapshot_parts[part_name] = part
        for timer_name, timer in domain.timers:
            once("timer", timer_name, dict(self.timers))
            self.timers.append((timer_name, timer))
        self.tables += [t for t in domain.tables if t not in self.tables]
        for name, holders in domain.visibility_classes.items():
            once("visibility class", name, self.visibility_classes)
            self.visibility_classes[name] = holders

    def _check(self) -> None:
        # Projectors are checked after every domain is in: a domain may follow another's events.
        for domain in self.domains:
            for cls, fns in domain.projectors.items():
                name = getattr(cls, "event_type", None)
                if name is None or self.event_types.get(name) is not cls:
                    raise RegistryError(
                        f"domain {domain.name} projects {cls.__name__}, which no listed domain declares"
                    )
                self.projectors.setdefault(name, []).extend(fns)
        for spec in self.commands.values():
            if spec.permission not in self.grants:
                raise RegistryError(
                    f"command {spec.name} needs permission {spec.permission}, granted nowhere"
                )

    # --- the unit of work and the readers ---

    def decode(self, event: RecordedEvent) -> RecordedEvent:
        """The event with its typed payload attached (the writer attaches it while sealing)."""
        if "payload" not in event.__dict__:
            event.__dict__["payload"] = self.event_types[event.type].model_validate_json(event.payload_json)
        return event

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        """Update every projection for these events (the caller holds the write transaction)."""
        for event in events:
            fns = self.projectors.get(event.type)
            if fns:
                self.decode(event)
                for fn in fns:
                    fn(conn, event)

    def public_data(self, event: RecordedEvent, classes: frozenset[str]) -> dict[str, Any]:
        """What clients seeing these classes are sent of a payload (sealed and personal parts left out)."""
        return self.event_types[event.type].public_data(event.data, classes)

    def wire(self, event: RecordedEvent, classes: frozenset[str]) -> dict[str, Any]:
        """The protocol form of the event (docs/protocol.md, "event")."""
        return event.wire(self.public_data(event, classes))

    def snapshot(self, conn: Connection, view: str, settings: Settings) -> dict[str, Any]:
        """The current state a client of this view may see, read in the caller's transaction."""
        return {name: part(conn, view, settings) for name, part in self.snapshot_parts.items()}

    def view_of(self, roles: Iterable[str]) -> str:
        """The visibility view of a user: the spine's classes and the domains' they receive."""
        held = frozenset(roles)
        extra = [cls for cls, holders in sorted(self.visibility_classes.items()) if holders(held)]
        return "+".join([view_of(held), *extra])

    def classify(self, conn: Connection, events: Sequence[NewEvent]) -> list[NewEvent]:
        """New events with the visibility the domains require of them (an event for a class already
        narrower than "all" keeps it and needs the domain's class too: "audit+recusal")."""
        out = []
        for event in events:
            for domain in self.domains:
                cls = domain.classify(conn, event) if domain.classify is not None else None
                if cls is None or cls in event.visibility.split("+"):
                    continue
                narrowed = cls if event.visibility == VISIBILITY_ALL else f"{event.visibility}+{cls}"
                event = replace(event, visibility=narrowed)
            out.append(event)
        return out

    def batch_started(self, conn: Connection, head_hash: str) -> None:
        """The writer's batch starts on the log whose head has this hash (under the head's lock)."""
        for domain in self.domains:
            if domain.batch_started is not None:
                domain.batch_started(conn, head_hash)

    def batch_commands(self, conn: Connection, envelopes: Sequence[CommandEnvelope]) -> None:
        """The commands the writer's batch is about to judge (after `batch_started`)."""
        for domain in self.domains:
            if domain.batch_commands is not None:
                domain.batch_commands(conn, envelopes)

    def batch_sealed(self, conn: Connection, head_hash: str) -> None:
        """The writer's batch is sealed: committed, it leaves the log whose head has this hash."""
        for domain in self.domains:
            if domain.batch_sealed is not None:
                domain.batch_sealed(conn, head_hash)

    def guard(self, conn: Connection, args: Any, actor: Actor) -> None:
        """Every domain's refusal of a command its actor may not know of (raises a ConsoleError)."""
        for domain in self.domains:
            if domain.guard is not None:
                domain.guard(conn, args, actor)

    def withheld(self, conn: Connection, view: str) -> frozenset[str]:
        """The incidents a view must not be shown (their events are skipped on replay)."""
        out: frozenset[str] = frozenset()
        for domain in self.domains:
            if domain.withheld is not None:
                out |= domain.withheld(conn, view)
        return out

    def resync_after(self, conn: Connection, view: str, position: int) -> bool:
        """Whether a client of this view must take a snapshot rather than replay after `position`."""
        return any(d.resync_after(conn, view, position) for d in self.domains if d.resync_after is not None)

    def withdraws(self, event: RecordedEvent) -> bool:
        """Whether this event withdraws something from the views that cannot see it."""
        return any(d.withdraws(event) for d in self.domains if d.withdraws is not None)

    def unit_of(self, conn: Connection, event: RecordedEvent) -> str | None:
        """The unit an event belongs to (None: about no unit, or no domain limits views to units)."""
        for domain in self.domains:
            if domain.unit_of is not None:
                return domain.unit_of(conn, event)
        return None

    def note_units(
        self,
        conn: Connection,
        events: Sequence[RecordedEvent],
        needed: Callable[[RecordedEvent], bool] | None = None,
    ) -> None:
        """Attach to each event the unit it belongs to (console.hub.noted_unit), read in the caller's
        transaction: the hub decides without the database which limited views get it. With `needed`
        (Hub.needs_unit), only the events it names: the others no limited view may see."""
        memo: dict[tuple[str, str], str | None] = {}
        for event in events:
            if UNIT_ATTR in event.__dict__ or (needed is not None and not needed(event)):
                continue
            # Events of one incident in one batch share their unit, whichever stream each is written
            # to (a registration's incident, run, alert and pages): read it once. An event naming no
            # incident is judged by its stream.
            named = event.data.get("incident_id")
            key = ("incident", named) if isinstance(named, str) and named else ("stream", event.stream)
            if key not in memo:
                memo[key] = self.unit_of(conn, event)
            event.__dict__[UNIT_ATTR] = memo[key]

    def narrow_snapshot(
        self, conn: Connection, state: dict[str, Any], units: frozenset[str]
    ) -> dict[str, Any]:
        """The snapshot of a view limited to these units."""
        for domain in self.domains:
            if domain.narrow_snapshot is not None:
                state = domain.narrow_snapshot(conn, state, units)
        return state

    def rescopes(self, event: RecordedEvent) -> bool:
        """Whether this event may change what views limited to units hold."""
        return any(d.rescopes(event) for d in self.domains if d.rescopes is not None)

    def rescoped_after(self, conn: Connection, position: int) -> bool:
        """Whether a client of a limited view must take a snapshot rather than replay after `position`."""
        return any(d.rescoped_after(conn, position) for d in self.domains if d.rescoped_after is not None)

    def allowed(self, roles: Iterable[str], permission: str) -> bool:
        """True if any of these roles holds the permission."""
        grant = self.grants[str(permission)]
        return any(role in grant for role in roles)

    def permissions_of(self, roles: Iterable[str]) -> frozenset[str]:
        """Every permission these roles hold (what the UI may offer them)."""
        held = frozenset(roles)
        return frozenset(p for p, grant in self.grants.items() if held & grant)

    def clear(self, conn: Connection) -> None:
        """Empty every projection table (the start of a rebuild)."""
        for table in self.tables:
            conn.execute(delete(table))

    def dump(self, conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
        """Every projection row, in primary-key order: what a rebuild must reproduce exactly."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in self.tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]
        return out

    def check_settings(self, settings: Settings) -> None:
        for domain in self.domains:
            if domain.check_settings is not None:
                domain.check_settings(settings)

    def unknown_types(self, types: Iterable[str]) -> list[str]:
        """Event types (from the log) that no listed domain declares: a domain missing from the list."""
        return sorted(t for t in set(types) if t not in self.event_types)
