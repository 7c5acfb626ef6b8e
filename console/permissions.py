"""Who may do what: the one table every HTTP route, command and live frame is checked against.

Permissions go to roles here; a few also need assignment to the incident (confidential.reveal), which
the deciding code checks against the incident's members.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from .roles import Role


class Permission(StrEnum):
    BOARD_VIEW = "board.view"  # the board, incidents, timelines, the live stream
    INCIDENT_REGISTER = "incident.register"  # 登记事件
    INCIDENT_AMEND = "incident.amend"  # 更正事实
    INCIDENT_NOTE = "incident.note"  # 添加记录
    INCIDENT_CLOSE = "incident.close"  # 结案
    INCIDENT_ASSIGN = "incident.assign"  # 指定承办人员
    CONFIDENTIAL_RECORD = "confidential.record"  # 记录举报人信息与举报内容
    CONFIDENTIAL_REVEAL = "confidential.reveal"  # 查看 (leaders, or people assigned to the incident)
    ACCESS_LOG_VIEW = "access_log.view"  # 借阅登记
    USERS_VIEW = "users.view"  # the people picker
    AUDIT_STREAM = "audit.view"  # audit events (who looked at what) in the live stream
    RUN_ACT = "run.act"  # 执行预案: complete, skip, decide, file reports, update the grading facts
    RUN_OVERRIDE = "run.override"  # 调整响应级别 (the leader in charge)
    RUN_TIMER = "run.timer"  # (internal) the console fires a run's due reminders and escalations
    # responders and dispatch (console.dispatch)
    ORG_MANAGE = "org.manage"  # 导入单位、人员、地点、值班表
    PLACE_ADD = "place.add"  # 新增地点
    ROSTER_CHANGE = "roster.change"  # 换班 / 顶班
    DISPATCH = "responder.dispatch"  # 派遣、解除派遣、代为登记
    RESPONDER_REPORT = "responder.report"  # 报告本人动态、到位确认
    ROLLCALL_START = "rollcall.start"  # 清点人数
    ROLLCALL_TIMER = "rollcall.timer"  # (internal) the console flags a roll call's unconfirmed people once


_ALL = frozenset(Role)
_DESK = frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN})

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.BOARD_VIEW: _ALL,
    Permission.INCIDENT_REGISTER: _DESK,
    Permission.INCIDENT_AMEND: _DESK,
    Permission.INCIDENT_NOTE: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER, Role.ADMIN}),
    Permission.INCIDENT_CLOSE: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.INCIDENT_ASSIGN: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.CONFIDENTIAL_RECORD: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    # Granted by role only to those who may hold the matter; the decision also requires assignment
    # for anyone but a leader (seed §7: secret from anyone not involved).
    Permission.CONFIDENTIAL_REVEAL: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER}),
    Permission.ACCESS_LOG_VIEW: frozenset({Role.REVIEWER, Role.ADMIN}),
    Permission.USERS_VIEW: _DESK,
    Permission.AUDIT_STREAM: frozenset({Role.REVIEWER, Role.ADMIN}),
    Permission.RUN_ACT: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER}),
    Permission.RUN_OVERRIDE: frozenset({Role.LEADER}),
    # Held by the timer's actor (console.runs.scheduler); clients cannot send internal commands.
    Permission.RUN_TIMER: frozenset({Role.DUTY_OFFICER}),
    Permission.ORG_MANAGE: _DESK,
    Permission.PLACE_ADD: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER, Role.ADMIN}),
    Permission.ROSTER_CHANGE: _DESK,
    Permission.DISPATCH: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.RESPONDER_REPORT: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.RESPONDER}),
    Permission.ROLLCALL_START: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.ROLLCALL_TIMER: frozenset({Role.DUTY_OFFICER}),  # held by the timer's actor only in use
}

# Roles that see confidential parts of every incident without being assigned to it.
CONFIDENTIAL_BY_ROLE = frozenset({Role.LEADER})


def allowed(roles: Iterable[str], permission: Permission) -> bool:
    """True if any of these roles holds the permission."""
    grant = GRANTS[permission]
    return any(role in grant for role in roles)


def permissions_of(roles: Iterable[str]) -> frozenset[str]:
    """Every permission these roles hold (what the UI may offer them)."""
    held = frozenset(roles)
    return frozenset(p.value for p, grant in GRANTS.items() if held & grant)


def view_of(roles: Iterable[str]) -> str:
    """The visibility view of a user: clients of one view share every frame."""
    return "staff+audit" if allowed(roles, Permission.AUDIT_STREAM) else "staff"


def visible_classes(view: str) -> frozenset[str]:
    """The event visibility classes a view may receive."""
    return frozenset({"all", "audit"}) if view == "staff+audit" else frozenset({"all"})


# Every HTTP route and what it needs: PUBLIC (anyone), SIGNED_IN (any role), or a permission.
# tests/console/test_permissions.py walks the application's routes and fails on any route not listed.
PUBLIC = "public"
SIGNED_IN = "signed_in"

ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,  # ends the caller's own session, if any
    ("GET", "/locale/{locale}"): PUBLIC,
    ("POST", "/api/login"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,  # the offline service worker: a static script, no data
    ("GET", "/api/me"): SIGNED_IN,
    ("POST", "/api/logout"): SIGNED_IN,
    ("POST", "/api/commands"): SIGNED_IN,  # each command then checks its own permission
    ("GET", "/"): Permission.BOARD_VIEW,
    ("GET", "/incidents/{incident_id}"): Permission.BOARD_VIEW,
    ("GET", "/access-log"): Permission.ACCESS_LOG_VIEW,
    ("GET", "/api/incidents"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}"): Permission.BOARD_VIEW,
    ("GET", "/api/events"): Permission.BOARD_VIEW,
    ("GET", "/api/state"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/confidential"): Permission.CONFIDENTIAL_REVEAL,
    ("GET", "/api/access-log"): Permission.ACCESS_LOG_VIEW,
    ("GET", "/api/users"): Permission.USERS_VIEW,
    ("GET", "/api/runs"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/run"): Permission.BOARD_VIEW,
    # responders and dispatch (console.web.dispatch)
    ("GET", "/responder"): Permission.BOARD_VIEW,
    ("GET", "/roster"): Permission.BOARD_VIEW,
    ("GET", "/incidents/{incident_id}/movements"): Permission.BOARD_VIEW,
    ("GET", "/people/{person_id}/activity"): Permission.BOARD_VIEW,
    ("GET", "/api/roster"): Permission.BOARD_VIEW,
    ("GET", "/api/places"): Permission.BOARD_VIEW,
    ("GET", "/api/responders"): Permission.BOARD_VIEW,
    ("GET", "/api/responders/me"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/responders"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/recommend"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/movements.csv"): Permission.BOARD_VIEW,
    ("GET", "/api/incidents/{incident_id}/figures.csv"): Permission.BOARD_VIEW,
    ("GET", "/api/people/{person_id}/activity"): Permission.BOARD_VIEW,
    ("GET", "/api/org/export"): Permission.ORG_MANAGE,
}
