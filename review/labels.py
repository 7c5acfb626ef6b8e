"""The review's printed words, zh-CN first and English second: duty kinds, outcomes, response roles,
action statuses, activities, and the phrases the activity log and the timeline build their lines from.

One table each, shared by the compliance PDF, the activity log (PDF and CSV), the timeline and the
pages' server side, so 未完成 (never done, past its deadline) reads the same everywhere and never as
逾期完成 (done late). Like the playbooks' titles (LocalText) and the alerts' messages, every entry is a
(zh, en) pair: the pure cores are handed the reader's locale as data (`words(locale)`) and never read
a catalogue, so the same review renders in either language from the same log.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compliance import Kind, Outcome

Pair = tuple[str, str]

KIND_NAMES: dict[Kind, Pair] = {
    Kind.STEP: ("处置步骤", "Step"),
    Kind.REPORT: ("报告义务", "Report"),
    Kind.DISPATCH_ACK: ("派遣确认", "Dispatch ack"),
    Kind.ROLLCALL: ("清点人数", "Roll call"),
    Kind.PAGE_ACK: ("告警确认", "Page ack"),
}
OUTCOME_NAMES: dict[Outcome, Pair] = {
    Outcome.ON_TIME: ("按时", "On time"),
    Outcome.LATE: ("逾期完成", "Done late"),  # done, after its deadline
    # never done, and its deadline has passed: the holder answers for it
    Outcome.OVERDUE: ("未完成", "Not done"),
    Outcome.PENDING: ("未到期", "Not yet due"),
    Outcome.SKIPPED: ("跳过", "Skipped"),
    Outcome.RELEASED: ("解除派遣", "Released"),
    Outcome.BLOCKED: ("受阻", "Blocked"),
    Outcome.NOT_APPLICABLE: ("不适用", "Not applicable"),
    Outcome.NO_DEADLINE: ("无时限", "No deadline"),
}
# The response roles of playbooks.model.ResponseRole (应急角色), and what a page asked (alerts.message.Ask).
ROLE_NAMES: dict[str, Pair] = {
    "field_commander": ("现场指挥", "Field commander"),
    "info_reporter": ("信息报送", "Information officer"),
    "field_responder": ("现场处置", "Field responder"),
    "police_liaison": ("公安联络", "Police liaison"),
    "medical": ("医疗救护", "Medical"),
    "logistics": ("后勤保障", "Logistics"),
    "leader_in_charge": ("分管领导", "Leader in charge"),
    "commission_head": ("主要负责同志", "Commission head"),
    "duty_officer": ("值班员", "Duty officer"),
    "go_to_scene": ("赶赴现场", "Go to the scene"),
    "dispatched": ("派遣通知", "Dispatch notice"),
    "step_overdue": ("逾期提醒", "Overdue reminder"),
    "escalated": ("逾期升级", "Overdue escalation"),
    "rollcall_overdue": ("清点超时", "Roll call overdue"),
    "report_due": ("报告到期", "Report due"),
    "test": ("测试消息", "Test message"),
}
# A follow-up action's status (console.review.queries._status).
ACTION_STATUS_NAMES: dict[str, Pair] = {
    "done": ("已完成", "Done"),
    "done_late": ("逾期完成", "Done late"),
    "overdue": ("逾期未完成", "Overdue"),
    "open": ("未完成", "Open"),
}
# A report's stage (reports.model.Stage values; reports.model.STAGE_LABELS is the zh-CN column).
STAGE_NAMES: dict[str, Pair] = {
    "initial": ("首报", "Initial report"),
    "followup": ("续报", "Follow-up report"),
    "final": ("终报", "Final report"),
    "daily": ("日报", "Daily report"),
    "statistics": ("统计报告", "Statistics report"),
}
# Who answers for a late duty when the log names nobody.
NOBODY_NAMES: Pair = ("未能确定", "Nobody named")
# What a person did (review.activity.Activity values), in zh-CN and English.
ACTIVITY_LABELS: dict[str, Pair] = {
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
# The phrases the activity log, the compliance table and the timeline build their lines from
# (str.format placeholders; the values put in are names, numbers and times, never codes).
PHRASES: dict[str, Pair] = {
    # review.activity
    "system": ("系统（自动）", "System (automatic)"),
    "remind": ("提醒", "Reminder"),
    "escalate": ("升级", "Escalation"),
    "report_due": ("报告到期", "Report due"),
    "wait_elapsed": ("等待期满", "Wait over"),
    "titled": ("{title}（{id}）", "{title} ({id})"),
    "action": ("{word} · {what}", "{word} · {what}"),
    "followup": ("{stage}（第{n}次）", "{stage} (no. {n})"),
    "version": ("{name} 第{n}版", "{name} v{n}"),
    "on_behalf": ("由{name}代为登记", "recorded by {name}"),
    "registered": ("{n}人 · {summary}", "{n} people · {summary}"),
    "list_sep": ("，", ", "),
    "parts_sep": ("；", "; "),
    "reason": ("理由：{reason}", "reason: {reason}"),
    "chose": ("选择 {option}", "chose {option}"),
    "level_by_rules": ("恢复按规则定级", "Back to the level by the rules"),
    "dispatched_by": ("由{name}派遣", "dispatched by {name}"),
    "with_role": ("{name}（{role}）", "{name} ({role})"),
    "go_to": ("前往{place}", "to {place}"),
    "expected": ("应到{n}人", "{n} expected"),
    "failed_because": ("{what}：{reason}", "{what}: {reason}"),
    "via": ("（{channel}）", " ({channel})"),
    "corrects": ("更正此前的版本", "corrects the earlier version"),
    "edited": ("修改{n}项", "{n} changes"),
    "serial": ("文号 {year}-{serial}", "document no. {year}-{serial}"),
    "sent_to": ("报送 {to}", "sent to {to}"),
    "delivered_to": ("已送达 {to}", "delivered to {to}"),
    "confirmed_by": ("{to} {who} 确认收到", "{to}: {who} confirmed receipt"),
    "round": ("第{level}级第{round}轮", "level {level}, round {round}"),
    "names_sep": ("、", ", "),
    "ack_console": ("在控制台确认", "acknowledged in the console"),
    "ack_link": ("通过短信/消息链接确认", "acknowledged through the message's link"),
    "ack_dispatch": ("确认派遣时一并确认", "acknowledged with the dispatch"),
    # review.pdf (the compliance table's duty titles)
    "occurrence": ("{title} 第{n}次", "{title} no. {n}"),
    "page": ("告警", "page"),
    "page_item": ("{name} · {page} 第{level}级第{round}轮", "{name} · {page} level {level}, round {round}"),
    "rollcall": ("点名", "roll call"),
    "total": ("合计", "Total"),
    # review.timeline
    "minutes": ("{n}分钟", "{n} min"),
    "group_people": ("人员", "People"),
    "group_steps": ("步骤", "Steps"),
    "group_pages": ("通知", "Pages"),
    "group_reports": ("报告", "Reports"),
    "tl_paged": ("告警 {name}（{ask}）{round} {at}", "Paged {name} ({ask}) {round} {at}"),
    "tl_delivered": ("送达（{channel}）{at}", "Delivered ({channel}) {at}"),
    "tl_failed": ("未送达（{channel}）{at}", "Not delivered ({channel}) {at}"),
    "tl_acked": (
        "{name}确认 {at} {how}，距告警{wait}",
        "{name} acknowledged {at} {how}, {wait} after the page",
    ),
    "tl_ack_span": ("告警至确认 {wait}", "Page to acknowledgement {wait}"),
    "tl_unacked": ("未确认（已{wait}）", "Not acknowledged ({wait} so far)"),
    "tl_report_mark": ("{subject} {word} {at}", "{subject} {word} {at}"),
    "tl_report_span": ("{label} 起草至报送 {wait}", "{label} drafted to sent {wait}"),
    "tl_report_unsent": ("{label} 起草至报送（未报送）", "{label} drafted, not sent yet"),
    "tl_due": ("{title} 时限 {at}", "{title} due {at}"),
    "tl_overdue_by": ("{title} 逾期{wait}", "{title} {wait} late"),
    "tl_overdue": ("{title} 逾期", "{title} late"),
    "tl_done": ("{title} 完成 {at}{who}", "{title} done {at}{who}"),
    "tl_report_due": ("报告时限 {at}{done}{late}", "Report due {at}{done}{late}"),
    "tl_late_by": ("，逾期{wait}", ", {wait} late"),
    "tl_done_at": ("，{at}完成", ", done {at}"),
    "tl_not_done": ("，未完成", ", not done"),
    "tl_not_due": ("，尚未到期", ", not yet due"),
    "lg_late_report": ("迟报", "Reported late"),
    "lg_deadline": ("时限", "Deadline"),
    "lg_late": ("逾期", "Late"),
    "lg_paged": ("告警（未确认）", "Paged (not acknowledged)"),
    "lg_delivered": ("告警送达", "Page delivered"),
    "lg_failed": ("未送达", "Not delivered"),
    "lg_acked": ("告警已确认", "Page acknowledged"),
    "lg_drafted": ("起草", "Drafted"),
    "lg_submitted": ("提交签发", "Submitted"),
    "lg_returned": ("退回", "Returned"),
    "lg_approved": ("签发", "Approved"),
    "lg_sent": ("报送", "Sent"),
    "lg_confirmed": ("电话确认", "Confirmed by phone"),
    "rw_drafted": ("起草", "drafted"),
    "rw_edited": ("修改", "edited"),
    "rw_submitted": ("提交签发", "submitted"),
    "rw_returned": ("退回修改", "returned"),
    "rw_approved": ("签发", "approved"),
    "rw_sent": ("报送", "sent"),
    "rw_delivered": ("送达", "delivered"),
    "rw_undelivered": ("投递失败", "not delivered"),
    "rw_confirmed": ("电话确认收到", "receipt confirmed by phone"),
}


# The zh-CN tables by themselves (the default language of everything printed).
KIND_LABELS: dict[Kind, str] = {k: v[0] for k, v in KIND_NAMES.items()}
OUTCOME_LABELS: dict[Outcome, str] = {k: v[0] for k, v in OUTCOME_NAMES.items()}
ROLE_LABELS: dict[str, str] = {k: v[0] for k, v in ROLE_NAMES.items()}
ACTION_STATUS_LABELS: dict[str, str] = {k: v[0] for k, v in ACTION_STATUS_NAMES.items()}
NOBODY = NOBODY_NAMES[0]


def is_english(locale: str | None) -> bool:
    """Whether a locale asks for English (en, en_US, en-GB); anything else reads zh-CN."""
    return bool(locale) and str(locale).lower().startswith("en")


@dataclass(frozen=True)
class Words:
    """The review's words in one language: what a pure core is handed to write its lines in."""

    english: bool = False

    @property
    def locale(self) -> str:
        return "en" if self.english else "zh_CN"

    def pick(self, pair: Pair) -> str:
        return pair[1] if self.english else pair[0]

    def text(self, key: str, **params: object) -> str:
        """A phrase of PHRASES with its placeholders filled."""
        return self.pick(PHRASES[key]).format(**params)

    def kind(self, kind: Kind) -> str:
        return self.pick(KIND_NAMES[kind])

    def outcome(self, outcome: Outcome) -> str:
        return self.pick(OUTCOME_NAMES[outcome])

    def role(self, role: str | None) -> str:
        """A response role's or a page's ask's name; an unknown one as it is (a playbook's own)."""
        if not role:
            return ""
        pair = ROLE_NAMES.get(role)
        return self.pick(pair) if pair else role

    def action_status(self, status: str) -> str:
        return self.pick(ACTION_STATUS_NAMES[status])

    def activity(self, activity: str) -> str:
        return self.pick(ACTIVITY_LABELS[activity])

    @property
    def nobody(self) -> str:
        return self.pick(NOBODY_NAMES)

    def local(self, zh: str, en: str) -> str:
        """A playbook's LocalText (title.zh, title.en) in this language."""
        return en if self.english else zh


ZH = Words(False)
EN = Words(True)


def words(locale: str | None) -> Words:
    """The review's words in the reader's locale (zh-CN unless English is asked for)."""
    return EN if is_english(locale) else ZH


# The printed documents' own words (review/templates: 工作记录 and 履职情况报告), by template key.
PRINTED: dict[str, Pair] = {
    "activity_title": ("工作记录", "Activity log"),
    "activity_heading": ("事件处置工作记录", "Incident response activity log"),
    "compliance_title": ("履职情况报告", "Compliance report"),
    "drill": ("演练 · 不计入考核", "Drill · not counted"),
    "generated_at": ("生成时间", "Generated"),
    "generated_by": ("生成人", "Generated by"),
    "chain": ("日志校验", "Log check"),
    "chain_ok": ("哈希链完整", "Hash chain intact"),
    "chain_broken": ("哈希链已被破坏", "Hash chain broken"),
    "positions": ("，位置 ", ", positions "),
    "head": ("，链头 ", ", head "),
    "people_count": ("人员 / 记录", "People / entries"),
    "counts": ("{people} 人，{entries} 条", "{people} people, {entries} entries"),
    "item_sep": ("、", ". "),
    "pid": ("（{id}）", " ({id})"),
    "time": ("时间", "Time"),
    "place": ("地点", "Place"),
    "activity": ("活动", "Activity"),
    "w_activity": ("24mm", "28mm"),  # the activity log's activity column (Acknowledged, in one line)
    "subject": ("事项", "Subject"),
    "detail": ("说明", "Detail"),
    "events": ("事件", "Events"),
    "recorded_later": ("{at} 补记", "recorded {at}"),
    "no_entries": ("无记录。", "No entries."),
    "activity_note": (
        "时间为发生时间；晚于发生时间一分钟以上登记的，注明补记时间。“事件”列为日志位置，可在导出包中逐条核对。",
        "Times are when it happened; an entry recorded more than a minute later gives when it was recorded. "
        "“Events” are log positions, to be checked one by one in the export bundle.",
    ),
    "overall": ("一、总体情况", "1. Overview"),
    "by_item": ("二、逐项履职情况", "2. Duty by duty"),
    "kind": ("类别", "Kind"),
    "role": ("角色", "Role"),
    # the compliance table's kind and role columns: English role names are longer (Field commander)
    "w_kind": ("17mm", "17mm"),
    "w_role": ("22mm", "30mm"),
    "due": ("时限", "Due"),
    "done": ("完成", "Done"),
    "done_by": ("登记人", "Recorded by"),
    "outcome": ("结果", "Outcome"),
    "minutes_late": ("超时/分钟", "Minutes late"),
    "holder": ("时任责任人", "Holder then"),
    "reason": ("原因", "Reason"),
    "findings": ("三、发现问题及整改措施", "3. Findings and follow-up actions"),
    "added_by": ("（{name}）", " ({name})"),
    "action": (
        "{text} — 责任人 {owner}，期限 {due}，{status}",
        "{text} — owner {owner}, due {due}, {status}",
    ),
    "none": ("无。", "None."),
    "compliance_note": (
        "时任责任人按当时的派遣与值班表确定；“事件”列为日志位置，可在导出包中逐条核对。",
        "The holder then is taken from the dispatches and the roster as they were; “Events” are log "
        "positions, to be checked one by one in the export bundle.",
    ),
}


def printed(words: Words) -> dict[str, str]:
    """The printed documents' words in one language (the templates' `t`)."""
    return {k: words.pick(v) for k, v in PRINTED.items()}
