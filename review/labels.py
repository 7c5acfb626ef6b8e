"""The review's printed words (zh-CN): duty kinds, outcomes, response roles, action statuses, activities.

One table each, shared by the compliance PDF, the activity log (PDF and CSV) and the pages' server side,
so 未完成 (never done, past its deadline) reads the same everywhere and never as 逾期完成 (done late).
"""

from __future__ import annotations

from .compliance import Kind, Outcome

KIND_LABELS: dict[Kind, str] = {
    Kind.STEP: "处置步骤",
    Kind.REPORT: "报告义务",
    Kind.DISPATCH_ACK: "派遣确认",
    Kind.ROLLCALL: "清点人数",
    Kind.PAGE_ACK: "告警确认",
}
OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.ON_TIME: "按时",
    Outcome.LATE: "逾期完成",  # done, after its deadline
    Outcome.OVERDUE: "未完成",  # never done, and its deadline has passed: the holder answers for it
    Outcome.PENDING: "未到期",
    Outcome.SKIPPED: "跳过",
    Outcome.RELEASED: "解除派遣",
    Outcome.BLOCKED: "受阻",
    Outcome.NOT_APPLICABLE: "不适用",
    Outcome.NO_DEADLINE: "无时限",
}
# The response roles of playbooks.model.ResponseRole (应急角色), and what a page asked (alerts.message.Ask).
ROLE_LABELS: dict[str, str] = {
    "field_commander": "现场指挥",
    "info_reporter": "信息报送",
    "field_responder": "现场处置",
    "police_liaison": "公安联络",
    "medical": "医疗救护",
    "logistics": "后勤保障",
    "leader_in_charge": "分管领导",
    "commission_head": "主要负责同志",
    "duty_officer": "值班员",
    "go_to_scene": "赶赴现场",
    "dispatched": "派遣通知",
    "step_overdue": "逾期提醒",
    "escalated": "逾期升级",
    "rollcall_overdue": "清点超时",
    "report_due": "报告到期",
    "test": "测试消息",
}
# A follow-up action's status (console.review.queries._status).
ACTION_STATUS_LABELS: dict[str, str] = {
    "done": "已完成",
    "done_late": "逾期完成",
    "overdue": "逾期未完成",
    "open": "未完成",
}
# Who answers for a late duty when the log names nobody.
NOBODY = "未能确定"
# What a person did (review.activity.Activity values), in zh-CN and English.
ACTIVITY_LABELS: dict[str, tuple[str, str]] = {
    "registered": ("登记事件", "Registered the incident"),
    "note": ("记录情况", "Noted"),
    "facts_amended": ("更正事实", "Amended the facts"),
    "closed": ("结案", "Closed the incident"),
    "dispatched": ("被派遣", "Dispatched"),
    "sent_someone": ("派遣人员", "Dispatched someone"),
    "acknowledged": ("确认接收", "Acknowledged"),
    "en_route": ("出发", "En route"),
    "on_scene": ("到达现场", "On scene"),
    "moved": ("转移地点", "Moved"),
    "cleared": ("处置完毕撤离", "Cleared"),
    "released": ("解除派遣", "Released"),
    "paged": ("收到告警", "Paged"),
    "page_delivered": ("告警送达", "Page delivered"),
    "page_failed": ("告警未送达", "Page not delivered"),
    "page_acknowledged": ("确认告警", "Acknowledged the page"),
    "step_done": ("完成步骤", "Step done"),
    "step_skipped": ("跳过步骤", "Step skipped"),
    "decision": ("作出决定", "Decision"),
    "level_set": ("调整响应级别", "Level set"),
    "report_filed": ("报告义务完成", "Report filed"),
    "reminder": ("系统提醒", "Reminder"),
    "rollcall_started": ("发起清点", "Roll call started"),
    "rollcall_confirmed": ("清点报到", "Roll call confirmed"),
    "report_drafted": ("起草报告", "Report drafted"),
    "report_edited": ("修改报告", "Report edited"),
    "report_submitted": ("提交签发", "Submitted for approval"),
    "report_returned": ("退回修改", "Returned for changes"),
    "report_approved": ("签发", "Approved"),
    "report_sent": ("报送", "Sent"),
    "report_delivered": ("报告送达", "Report delivered"),
    "report_undelivered": ("报告投递失败", "Report not delivered"),
    "report_confirmed": ("电话确认收到", "Receipt confirmed by phone"),
}
