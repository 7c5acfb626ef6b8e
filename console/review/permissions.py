"""Who may read reviews and who may write findings and follow-up actions."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    REVIEW_VIEW = "review.view"  # 查看复盘、履职情况、导出包
    REVIEW_WRITE = "review.write"  # 登记发现问题、整改措施及其完成
    REVIEW_SCOPE = "review.scope"  # 设定督查范围 (which units an inspector oversees)
    REVIEW_TARGETS = "review.targets"  # 设定、导入年度目标 (§25 目标管理)


GRANTS: dict[str, frozenset[Role]] = {
    # Inspectors (上级督查) read everything of a review and write nothing.
    Permission.REVIEW_VIEW: frozenset({Role.REVIEWER, Role.INSPECTOR, Role.LEADER, Role.ADMIN}),
    Permission.REVIEW_WRITE: frozenset({Role.REVIEWER, Role.LEADER}),
    Permission.REVIEW_SCOPE: frozenset({Role.ADMIN}),
    Permission.REVIEW_TARGETS: frozenset({Role.ADMIN}),
}
