"""Escalation policies as data (逐级通知): ordered levels, each naming people, roles or a roster post,
with an acknowledge timeout and a repeat count. Validated on load like the playbooks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .quiet import QuietHours

BUILTIN = Path(__file__).with_name("policies.yaml")


class Urgency(StrEnum):
    URGENT = "urgent"  # 紧急: repeats each level before moving on
    NORMAL = "normal"  # 一般: each level once


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(_Frozen):
    """One of: a person by id, everyone holding an organisation role, the holder of a roster post now,
    or everyone of an organisation unit (a township's people, say), resolved when the page is sent.

    A unit's people include those of the units under it (`below`, default true): paging 城关镇 must
    reach its villages' people too, as the organisation chart says they belong to it, and a unit the
    import later splits into sub-units keeps paging the same people. `below: false` pages the unit's
    own people only (its office, say)."""

    person: str | None = Field(default=None, min_length=1, max_length=64)
    role: str | None = Field(default=None, min_length=1, max_length=40)
    post: str | None = Field(default=None, min_length=1, max_length=40)
    unit: str | None = Field(default=None, min_length=1, max_length=64)
    below: bool = True

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if sum(v is not None for v in (self.person, self.role, self.post, self.unit)) != 1:
            raise ValueError("a target names exactly one of person, role, post or unit")
        if not self.below and self.unit is None:
            raise ValueError("below is for a unit target only")
        return self


class Level(_Frozen):
    targets: tuple[Target, ...] = Field(min_length=1)
    ack_timeout_minutes: int = Field(ge=1, le=24 * 60)
    repeat: int = Field(default=0, ge=0, le=10)


class Policy(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9_\-]{1,40}$")
    urgency: Urgency = Urgency.NORMAL
    levels: tuple[Level, ...] = Field(min_length=1, max_length=10)
    # 免打扰时段 of everyone it pages who set none of their own (an urgent policy ignores them).
    quiet_hours: QuietHours | None = None


class PolicyBook(_Frozen):
    """Every policy, and which one an incident type starts with."""

    policies: tuple[Policy, ...] = Field(min_length=1)
    default: str
    by_type: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_exist(self) -> Self:
        ids = [p.id for p in self.policies]
        if len(set(ids)) != len(ids):
            raise ValueError("a policy id is used twice")
        for name in (self.default, *self.by_type.values()):
            if name not in ids:
                raise ValueError(f"no policy named {name!r}")
        return self

    def for_type(self, incident_type: str) -> Policy:
        """The policy an incident of this type is snapshotted with."""
        wanted = self.by_type.get(incident_type, self.default)
        return next(p for p in self.policies if p.id == wanted)


class ImportedPolicy(Policy):
    """A policy of the organisation import (table `policies`): a policy, and the incident types it
    starts for (over the book's `by_type`)."""

    incident_types: tuple[str, ...] = Field(default=(), max_length=20)


def merged(book: PolicyBook, imported: tuple[ImportedPolicy, ...]) -> PolicyBook:
    """The book in force: the YAML book with the organisation's policies added, an imported policy
    replacing the book's policy of the same id; an imported policy's incident types start with it."""
    if not imported:
        return book
    by_id = {p.id: p for p in book.policies}
    by_type = dict(book.by_type)
    for item in imported:
        by_id[item.id] = Policy.model_validate(item.model_dump(exclude={"incident_types"}))
        by_type.update(dict.fromkeys(item.incident_types, item.id))
    return PolicyBook(policies=tuple(by_id.values()), default=book.default, by_type=by_type)


def canonical_json(book: PolicyBook) -> str:
    """The book as canonical JSON (sorted keys): the log stores payloads with sorted keys, so a book read
    back from it must come out the same as the one written."""
    return json.dumps(book.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def book_hash(book: PolicyBook) -> str:
    """The book's content hash: the same policies always pin the same hash."""
    return hashlib.sha256(canonical_json(book).encode("utf-8")).hexdigest()


class PinnedBook(_Frozen):
    """The policy book an incident was registered under, with its hash (as a run pins its playbook)."""

    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    book: PolicyBook

    @classmethod
    def pin(cls, book: PolicyBook) -> PinnedBook:
        return cls(hash=book_hash(book), book=book)


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the field."""


def parse_book(text: str) -> PolicyBook:
    """The policy book in this YAML text, or PolicyError naming what is wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"not YAML: {exc}") from None
    try:
        return PolicyBook.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "-"
        raise PolicyError(f"{where}: {first['msg']}") from None


def builtin_book() -> PolicyBook:
    """The policies shipped with the console (alerts/policies.yaml)."""
    return parse_book(BUILTIN.read_text(encoding="utf-8"))


def parse_imported(raw: object) -> ImportedPolicy:
    """One policy of the organisation import, or PolicyError naming the field."""
    try:
        return ImportedPolicy.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "-"
        raise PolicyError(f"{where}: {first['msg']}") from None


@dataclass(frozen=True)
class Step:
    """Where an escalation stands: the level (0-based), which round of it, and when it next moves."""

    level: int
    round: int
    next_at: datetime


def first_step(policy: Policy, now: datetime) -> Step:
    return Step(0, 0, now + timedelta(minutes=policy.levels[0].ack_timeout_minutes))


def next_step(policy: Policy, level: int, round_: int, now: datetime) -> Step | None:
    """After a timeout with nobody acknowledging: repeat the level (urgent) or go on; None past the last."""
    repeats = policy.levels[level].repeat if policy.urgency is Urgency.URGENT else 0
    if round_ < repeats:
        nxt_level, nxt_round = level, round_ + 1
    elif level + 1 < len(policy.levels):
        nxt_level, nxt_round = level + 1, 0
    else:
        return None
    return Step(nxt_level, nxt_round, now + timedelta(minutes=policy.levels[nxt_level].ack_timeout_minutes))


def units_under(unit: str, parent_of: dict[str, str | None]) -> frozenset[str]:
    """The unit and every unit below it (children, their children …), from each unit's parent. The
    import refuses cycles; a walk still stops at a unit met twice so bad data cannot loop."""
    children: dict[str, list[str]] = {}
    for child, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found = {unit}
    todo = [unit]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def resolve(
    targets: tuple[Target, ...],
    roles_of: dict[str, frozenset[str]],
    on_duty: dict[str, list[str]],
    unit_of: dict[str, str | None] | None = None,
    parent_of: dict[str, str | None] | None = None,
) -> list[str]:
    """The people a level pages, in order, once each: named people, role holders, post holders now,
    the people of a unit and, unless the target says `below: false`, of the units under it (`unit_of`:
    each person's unit; `parent_of`: each unit's parent, from the organisation)."""
    out: list[str] = []
    for target in targets:
        if target.person is not None:
            found = [target.person] if target.person in roles_of else []
        elif target.role is not None:
            found = sorted(p for p, roles in roles_of.items() if target.role in roles)
        elif target.unit is not None:
            wanted = units_under(target.unit, parent_of or {}) if target.below else {target.unit}
            found = sorted(p for p, unit in (unit_of or {}).items() if unit in wanted)
        else:
            found = on_duty.get(target.post or "", [])
        out += [p for p in found if p not in out]
    return out


def starting_with(policy: Policy, targets: tuple[Target, ...]) -> Policy:
    """The chain of an alert aimed at someone (a dispatched responder, a role's holder): they are level
    one, with the policy's first timeout; the policy's later levels follow if nobody acknowledges."""
    first = policy.levels[0].model_copy(update={"targets": targets})
    return policy.model_copy(update={"levels": (first, *policy.levels[1:])})
