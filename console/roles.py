"""Roles of the people who use the console (DESIGN §1, §8)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DUTY_OFFICER = "duty_officer"  # 值班员
    LEADER = "leader"  # 领导 / 现场指挥
    RESPONDER = "responder"  # 处置人员
    REVIEWER = "reviewer"  # 复盘 / 追责
    INSPECTOR = "inspector"  # 上级督查 (read-only)
    ADMIN = "admin"  # 系统管理员
    # 主要负责同志 (纪委书记、监委主任), held beside `leader`; reports about the head are kept from him (回避)
    COMMISSION_HEAD = "commission_head"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.DUTY_OFFICER: ("值班员", "Duty officer"),
    Role.LEADER: ("领导", "Leader"),
    Role.RESPONDER: ("处置人员", "Responder"),
    Role.REVIEWER: ("复盘", "Reviewer"),
    Role.INSPECTOR: ("上级督查", "Inspector"),
    Role.ADMIN: ("系统管理员", "Administrator"),
    Role.COMMISSION_HEAD: ("主要负责同志", "Commission head"),
}


def parse_roles(text: str) -> frozenset[str]:
    """Roles as stored ("duty_officer,leader"), checked against the known ones."""
    roles = frozenset(r.strip() for r in text.split(",") if r.strip())
    unknown = roles - {r.value for r in Role}
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    return roles
