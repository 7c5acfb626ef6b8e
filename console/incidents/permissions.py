"""Who may do what with incidents and their confidential parts (seed §7)."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    INCIDENT_REGISTER = "incident.register"  # 登记事件
    INCIDENT_AMEND = "incident.amend"  # 更正事实
    INCIDENT_NOTE = "incident.note"  # 添加记录
    INCIDENT_CLOSE = "incident.close"  # 结案
    INCIDENT_ASSIGN = "incident.assign"  # 指定承办人员
    CONFIDENTIAL_RECORD = "confidential.record"  # 记录举报人信息与举报内容
    CONFIDENTIAL_REVEAL = "confidential.reveal"  # 查看 (leaders, or people assigned to the incident)
    ACCESS_LOG_VIEW = "access_log.view"  # 借阅登记
    RECUSAL_VIEW = "recusal.view"  # 回避: see incidents about this commission's own head


_DESK = frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN})

GRANTS: dict[str, frozenset[Role]] = {
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
    # 2020 rules art. 15: a report about the commission's head goes straight up and does not circulate
    # here; the duty officers handling it, the leaders who must approve (签发) its upward reports, and
    # the higher level (inspectors) see it, and nobody else. Whoever holds the head's own role never
    # does, whatever else they hold (recusal.may_see_recused).
    Permission.RECUSAL_VIEW: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.INSPECTOR}),
}

# Roles that see confidential parts of every incident without being assigned to it.
CONFIDENTIAL_BY_ROLE = frozenset({Role.LEADER})


def may_hold_matters(roles: frozenset[str]) -> bool:
    """Whether a person with these roles can be assigned to a matter (and so read its sealed parts)."""
    return bool(roles & GRANTS[Permission.CONFIDENTIAL_REVEAL])
