"""The responder status machine (人员状态): an explicit table of legal moves, and per-person assignments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from responders.text import LabelledEnum, Text


class ResponderStatus(LabelledEnum):
    """Where a responder stands, in the usual dispatch (CAD) order."""

    OFF_DUTY = "off_duty"
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEARED = "cleared"
    UNAVAILABLE = "unavailable"

    @classmethod
    def labels(cls) -> dict[ResponderStatus, Text]:
        """Bilingual label of every status."""
        return _STATUS_LABELS


_STATUS_LABELS = {
    ResponderStatus.OFF_DUTY: Text("不在岗", "Off duty"),
    ResponderStatus.AVAILABLE: Text("待命", "Available"),
    ResponderStatus.DISPATCHED: Text("已派遣", "Dispatched"),
    ResponderStatus.ACKNOWLEDGED: Text("已确认", "Acknowledged"),
    ResponderStatus.EN_ROUTE: Text("在途", "En route"),
    ResponderStatus.ON_SCENE: Text("在现场", "On scene"),
    ResponderStatus.CLEARED: Text("已撤离", "Cleared"),
    ResponderStatus.UNAVAILABLE: Text("暂不可派", "Unavailable"),
}


class Move(LabelledEnum):
    """A move from one status to another."""

    SIGN_ON = "sign_on"
    SIGN_OFF = "sign_off"
    MARK_UNAVAILABLE = "mark_unavailable"
    MAKE_AVAILABLE = "make_available"
    DISPATCH = "dispatch"
    ACKNOWLEDGE = "acknowledge"
    DEPART = "depart"
    ARRIVE = "arrive"
    MOVE_TO = "move_to"
    CLEAR = "clear"
    RELEASE = "release"

    @classmethod
    def labels(cls) -> dict[Move, Text]:
        """Bilingual label of every move."""
        return _MOVE_LABELS


_MOVE_LABELS = {
    Move.SIGN_ON: Text("上岗", "Sign on"),
    Move.SIGN_OFF: Text("下岗", "Sign off"),
    Move.MARK_UNAVAILABLE: Text("标记暂不可派", "Mark unavailable"),
    Move.MAKE_AVAILABLE: Text("恢复待命", "Make available"),
    Move.DISPATCH: Text("派遣", "Dispatch"),
    Move.ACKNOWLEDGE: Text("确认接收", "Acknowledge"),
    Move.DEPART: Text("出发", "En route"),
    Move.ARRIVE: Text("到达现场", "Arrive on scene"),
    Move.MOVE_TO: Text("转移地点", "Move to another place"),
    Move.CLEAR: Text("处置完毕撤离", "Clear"),
    Move.RELEASE: Text("解除派遣", "Release"),
}

_S, _M = ResponderStatus, Move
# Release is allowed from every assignment status: the duty officer can stand anyone down at any point.
_TABLE: dict[ResponderStatus, dict[Move, ResponderStatus]] = {
    _S.OFF_DUTY: {_M.SIGN_ON: _S.AVAILABLE, _M.MARK_UNAVAILABLE: _S.UNAVAILABLE},
    _S.AVAILABLE: {_M.DISPATCH: _S.DISPATCHED, _M.SIGN_OFF: _S.OFF_DUTY, _M.MARK_UNAVAILABLE: _S.UNAVAILABLE},
    _S.DISPATCHED: {_M.ACKNOWLEDGE: _S.ACKNOWLEDGED, _M.RELEASE: _S.CLEARED},
    # Someone already at the destination (the reception hall) arrives without travelling.
    _S.ACKNOWLEDGED: {_M.DEPART: _S.EN_ROUTE, _M.ARRIVE: _S.ON_SCENE, _M.RELEASE: _S.CLEARED},
    _S.EN_ROUTE: {_M.ARRIVE: _S.ON_SCENE, _M.RELEASE: _S.CLEARED},
    _S.ON_SCENE: {_M.MOVE_TO: _S.ON_SCENE, _M.CLEAR: _S.CLEARED, _M.RELEASE: _S.CLEARED},
    _S.CLEARED: {
        _M.DISPATCH: _S.DISPATCHED,
        _M.MAKE_AVAILABLE: _S.AVAILABLE,
        _M.SIGN_OFF: _S.OFF_DUTY,
        _M.MARK_UNAVAILABLE: _S.UNAVAILABLE,
    },
    _S.UNAVAILABLE: {_M.MAKE_AVAILABLE: _S.AVAILABLE, _M.SIGN_OFF: _S.OFF_DUTY},
}
TRANSITIONS: Mapping[ResponderStatus, Mapping[Move, ResponderStatus]] = MappingProxyType(
    {status: MappingProxyType(moves) for status, moves in _TABLE.items()}
)
PERSON_MOVES = frozenset({_M.SIGN_ON, _M.SIGN_OFF, _M.MARK_UNAVAILABLE, _M.MAKE_AVAILABLE})
ASSIGNMENT_MOVES = frozenset(Move) - PERSON_MOVES
ASSIGNED = frozenset({_S.DISPATCHED, _S.ACKNOWLEDGED, _S.EN_ROUTE, _S.ON_SCENE})
FREE = frozenset({_S.AVAILABLE, _S.CLEARED})
# Travelling to or standing at an incident ties the body to one place: at most one assignment may be here.
PRESENT = frozenset({_S.EN_ROUTE, _S.ON_SCENE})
_PRIORITY = (_S.ON_SCENE, _S.EN_ROUTE, _S.ACKNOWLEDGED, _S.DISPATCHED)


class StatusError(Exception):
    """A move the console refuses, with a bilingual message."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(str(text))


class IllegalTransition(StatusError):
    """The move is not in the transition table for the current status."""

    def __init__(self, current: ResponderStatus, move: Move) -> None:
        self.current, self.move = current, move
        self.expected: tuple[Move, ...] = legal_moves(current)
        zh_expected = "、".join(m.label.zh for m in self.expected) or "无"
        en_expected = ", ".join(m.value for m in self.expected) or "none"
        super().__init__(
            Text(
                f"当前状态「{current.label.zh}」不能「{move.label.zh}」；可执行：{zh_expected}",
                f"cannot {move.value} while {current.value}; expected one of: {en_expected}",
            )
        )


class BusyElsewhere(StatusError):
    """The person is already travelling to or on scene at another incident."""

    def __init__(
        self, incident_id: str, other: Assignment, move: Move, names: Mapping[str, str] | None = None
    ) -> None:
        self.incident_id, self.other, self.move = incident_id, other, move
        # The people reading this know incidents by their numbers (XF-…), not by the console's ids.
        here, there = (
            (names or {}).get(incident_id, incident_id),
            (names or {}).get(other.incident_id, other.incident_id),
        )
        super().__init__(
            Text(
                f"该人员在事件 {there} 中处于「{other.status.label.zh}」状态，"
                f"须先撤离或解除派遣，才能在事件 {here}「{move.label.zh}」",
                f"already {other.status.value} at incident {there}; clear or release it "
                f"before {move.value} at incident {here}",
            )
        )


class MoveDetailError(StatusError):
    """The move lacks a detail it needs (incident, place, reason) or carries one it must not."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """One person's assignment to one incident: its status, destination and current place."""

    incident_id: str
    status: ResponderStatus
    destination_id: str | None = None
    place_id: str | None = None


@dataclass(frozen=True, slots=True)
class PersonState:
    """A person's own status (off duty / available / cleared / unavailable) and their open assignments."""

    person_id: str
    base: ResponderStatus = ResponderStatus.OFF_DUTY
    unavailable_reason: str | None = None
    assignments: tuple[Assignment, ...] = ()

    @property
    def status(self) -> ResponderStatus:
        """The status to show: the most advanced open assignment, else the person's own status."""
        held = {a.status for a in self.assignments}
        return next((s for s in _PRIORITY if s in held), self.base)

    def assignment(self, incident_id: str) -> Assignment | None:
        """The open assignment to this incident, if any."""
        return next((a for a in self.assignments if a.incident_id == incident_id), None)


def legal_moves(current: ResponderStatus) -> tuple[Move, ...]:
    """Moves the table allows from `current`, in declaration order."""
    allowed = TRANSITIONS[current]
    return tuple(m for m in Move if m in allowed)


def transition(current: ResponderStatus, move: Move) -> ResponderStatus:
    """The status after `move`, or `IllegalTransition` naming what was expected and what came."""
    target = TRANSITIONS[current].get(move)
    if target is None:
        raise IllegalTransition(current, move)
    return target


def check_move(
    state: PersonState,
    incident_id: str | None,
    move: Move,
    *,
    place_id: str | None = None,
    reason: str | None = None,
    names: Mapping[str, str] | None = None,
) -> PersonState:
    """The person's state after `move` (at `incident_id` for assignment moves), or a `StatusError`
    (`names`: how a refusal names each incident, by its number; its id otherwise)."""
    if move in PERSON_MOVES:
        return _person_move(state, incident_id, move, reason)
    if incident_id is None:
        raise MoveDetailError(Text(f"「{move.label.zh}」须指明事件", f"{move.value} needs an incident"))
    current = state.assignment(incident_id)
    target = transition(current.status if current else state.base, move)
    if target in PRESENT:
        other = next(
            (a for a in state.assignments if a.incident_id != incident_id and a.status in PRESENT), None
        )
        if other is not None:
            raise BusyElsewhere(incident_id, other, move, names)
    if move is Move.MOVE_TO and place_id is None:
        raise MoveDetailError(Text("转移地点须指明新地点", "move_to needs the new place"))
    return apply_move(state, incident_id, move, target, place_id=place_id)


def apply_move(
    state: PersonState,
    incident_id: str | None,
    move: Move,
    target: ResponderStatus,
    *,
    place_id: str | None = None,
    reason: str | None = None,
) -> PersonState:
    """The person's state after a move already checked (by `check_move`) to lead to `target`.

    The one place where a move changes a state: decisions reach it through `check_move`, and the
    projection applies recorded moves with it, so the tables can never follow other rules.
    """
    if move in PERSON_MOVES:
        if target is ResponderStatus.UNAVAILABLE:
            return replace(state, base=target, unavailable_reason=(reason or "").strip() or None)
        return replace(state, base=target, unavailable_reason=None)
    assert incident_id is not None, "an assignment move names its incident"
    current = state.assignment(incident_id)
    others = tuple(a for a in state.assignments if a.incident_id != incident_id)
    if target is ResponderStatus.CLEARED:
        # The person is free again only when the last open assignment ends.
        base = ResponderStatus.CLEARED if not others else state.base
        return replace(state, base=base, assignments=others)
    if current is None:
        opened = Assignment(incident_id, target, destination_id=place_id)
        return replace(state, assignments=(*others, opened))
    moved = replace(current, status=target)
    if move in (Move.ARRIVE, Move.MOVE_TO):
        moved = replace(moved, place_id=place_id or current.destination_id)
    elif move is Move.DEPART and place_id is not None:
        moved = replace(moved, destination_id=place_id)
    return replace(state, assignments=tuple(moved if a is current else a for a in state.assignments))


def _person_move(state: PersonState, incident_id: str | None, move: Move, reason: str | None) -> PersonState:
    if incident_id is not None:
        raise MoveDetailError(
            Text(f"「{move.label.zh}」是人员自身状态，不属于事件", f"{move.value} is not tied to an incident")
        )
    target = transition(state.status, move)
    if target is ResponderStatus.UNAVAILABLE and not (reason and reason.strip()):
        raise MoveDetailError(Text("标记暂不可派须说明原因", "mark_unavailable needs a reason"))
    return apply_move(state, incident_id, move, target, reason=reason)


# The moves a responder reports on their own assignment (the phone's buttons): dispatching and
# standing down are the duty desk's.
OWN_ASSIGNMENT_MOVES = ASSIGNMENT_MOVES - {Move.DISPATCH, Move.RELEASE}


def own_next_moves(current: ResponderStatus) -> tuple[Move, ...]:
    """What a responder may do next on an assignment in `current`, in the table's order."""
    return tuple(m for m in legal_moves(current) if m in OWN_ASSIGNMENT_MOVES)
