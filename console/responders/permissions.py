"""Who may do what with the organisation, the roster, dispatch, moves and roll calls."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    ORG_MANAGE = "org.manage"  # 导入单位、人员、地点、值班表
    PLACE_ADD = "place.add"  # 新增地点
    ROSTER_CHANGE = "roster.change"  # 换班 / 顶班
    DISPATCH = "responder.dispatch"  # 派遣、解除派遣、代为登记
    RESPONDER_REPORT = "responder.report"  # 报告本人动态、到位确认
    ROLLCALL_START = "rollcall.start"  # 清点人数
    ROLLCALL_TIMER = "rollcall.timer"  # (internal) the console flags a roll call's unconfirmed people once


_DESK = frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN})

GRANTS: dict[str, frozenset[Role]] = {
    Permission.ORG_MANAGE: _DESK,
    Permission.PLACE_ADD: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER, Role.ADMIN}),
    Permission.ROSTER_CHANGE: _DESK,
    Permission.DISPATCH: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.RESPONDER_REPORT: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER}),
    Permission.ROLLCALL_START: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.ROLLCALL_TIMER: frozenset({Role.DUTY_OFFICER}),  # held by the timer's actor only in use
}


def may_dispatch(roles: frozenset[str]) -> bool:
    """Dispatching, and recording a move on someone else's behalf, is the duty desk's (and leaders')."""
    return bool(roles & GRANTS[Permission.DISPATCH])
