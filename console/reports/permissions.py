"""Who may draft, approve (签发) and send upward reports."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    REPORT_DRAFT = "report.draft"  # 起草、修改、提交报告
    REPORT_APPROVE = "report.approve"  # 签发或退回 (leaders)
    REPORT_SEND = "report.send"  # 报送已签发的报告
    REPORT_READ = "report.read"  # 阅读报告正文: drafts, approved texts, downloads (each read is logged)


GRANTS: dict[str, frozenset[Role]] = {
    Permission.REPORT_DRAFT: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.REPORT_APPROVE: frozenset({Role.LEADER}),
    Permission.REPORT_SEND: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    # A report's text is for those who write, sign, check or supervise it (seed §7): not responders on
    # the street, nor the administrator who keeps the system running. Each read is logged in their name.
    Permission.REPORT_READ: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.REVIEWER, Role.INSPECTOR}),
}
