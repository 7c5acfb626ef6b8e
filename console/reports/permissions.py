"""Who may draft, approve (签发) and send upward reports."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    REPORT_DRAFT = "report.draft"  # 起草、修改、提交报告
    REPORT_APPROVE = "report.approve"  # 签发或退回 (leaders)
    REPORT_SEND = "report.send"  # 报送已签发的报告
    REPORT_READ = "report.read"  # (internal) a download or preview is logged under the reader's name


GRANTS: dict[str, frozenset[Role]] = {
    Permission.REPORT_DRAFT: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    Permission.REPORT_APPROVE: frozenset({Role.LEADER}),
    Permission.REPORT_SEND: frozenset({Role.DUTY_OFFICER, Role.LEADER}),
    # Everyone who may see the board may read a report: the console logs each read in their name.
    Permission.REPORT_READ: frozenset(Role),
}
