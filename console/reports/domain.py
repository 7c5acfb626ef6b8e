"""The reports domain as the spine sees it: drafting, editing, approval (签发) and sending of reports.

It follows the incidents', runs' and responders' events (it reads the incident's stream to draft)
and emits `run.report_filed` when an approved report of a playbook obligation is sent.
"""

from __future__ import annotations

from ..commands import CommandSpec
from ..i18n import N_
from ..registry import Domain
from . import config, decide, delivering, store
from .commands import (
    ApproveReport,
    ConfirmReceipt,
    CorrectReport,
    DraftReport,
    DraftStatistics,
    EditReport,
    IncludeConfidential,
    LogDownload,
    RecordDelivery,
    ReturnReport,
    SendReport,
    SubmitReport,
)
from .delivery import delivery_worker
from .events import EVENTS
from .permissions import GRANTS, Permission
from .queries import SNAPSHOT_PARTS
from .scheduling import statistics_timer
from .tables import report_deliveries, report_items, report_receipts, report_versions

COMMANDS = (
    CommandSpec(
        "report.draft",
        DraftReport,
        Permission.REPORT_DRAFT,
        store.load_drafting,
        decide.decide_draft,
        "起草报告 Draft a report from the log",
    ),
    CommandSpec(
        "report.draft_statistics",
        DraftStatistics,
        Permission.REPORT_DRAFT,
        store.load_statistics,
        decide.decide_draft_statistics,
        "起草统计报告 Draft a month's or a quarter's statistics from the log",
    ),
    CommandSpec(
        "report.edit",
        EditReport,
        Permission.REPORT_DRAFT,
        store.load_report,
        decide.decide_edit,
        "修改报告 Edit a report's fields",
    ),
    CommandSpec(
        "report.submit",
        SubmitReport,
        Permission.REPORT_DRAFT,
        store.load_report,
        decide.decide_submit,
        "提交签发 Submit a report for approval",
    ),
    CommandSpec(
        "report.return",
        ReturnReport,
        Permission.REPORT_APPROVE,
        store.load_report,
        decide.decide_return,
        "退回修改 Return a report for changes",
    ),
    CommandSpec(
        "report.approve",
        ApproveReport,
        Permission.REPORT_APPROVE,
        store.load_approval,
        decide.decide_approve,
        "签发 Approve a report (frozen and hashed)",
    ),
    CommandSpec(
        "report.send",
        SendReport,
        Permission.REPORT_SEND,
        store.load_sending,
        decide.decide_send,
        "报送 Hand an approved report over for delivery",
    ),
    CommandSpec(
        "report.include_confidential",
        IncludeConfidential,
        Permission.REPORT_APPROVE,
        store.load_inclusion,
        decide.decide_include,
        "批准载明保密事项 Approve including confidential values in this version",
    ),
    CommandSpec(
        "report.log_download",
        LogDownload,
        Permission.REPORT_READ,
        store.load_report,
        decide.decide_download,
        "（自动）下载登记 Log a report's download or preview",
        internal=True,
    ),
    CommandSpec(
        "report.correct",
        CorrectReport,
        Permission.REPORT_DRAFT,
        store.load_report,
        decide.decide_correct,
        "更正 Start a correcting version of an approved report",
    ),
    CommandSpec(
        "report.record_delivery",
        RecordDelivery,
        Permission.REPORT_SEND,
        store.load_delivery,
        delivering.decide_record_delivery,
        "（自动）报送尝试 Record one delivery attempt to a recipient office",
        internal=True,
    ),
    CommandSpec(
        "report.confirm_receipt",
        ConfirmReceipt,
        Permission.REPORT_SEND,
        store.load_receipt,
        delivering.decide_confirm,
        "电话确认 Record that a recipient office confirmed receipt by phone",
    ),
)

MESSAGES = {
    "report_not_found": N_("Report not found"),
    "report_illegal_move": N_("This report cannot do that now: {detail}"),
    "report_fields_missing": N_("Fill in the required fields first: {detail}"),
    "report_field_unknown": N_("This report has no such field: {detail}"),
    "report_stage_mismatch": N_("That obligation is a {detail}"),
    "report_final_needs_close": N_("The final report is drafted once the incident is closed"),
    "report_confidential_missing": N_("The incident has no such confidential record: {detail}"),
    "report_confidential_hidden": N_("This report holds confidential values you may not read"),
    "report_no_recipients": N_("No recipients are configured for this report"),
    "report_period_open": N_("The period is not over yet: {detail}"),
    "report_statistics_exists": N_("The statistics of {detail} are drafted already: open that report"),
    "report_statistics_by_period": N_("Statistics are drafted for a month or a quarter, not an incident"),
    "report_delivery_not_found": N_("No such delivery of a report"),
    "report_recipient_unknown": N_("This report was not sent to {detail}"),
    "report_fonts_missing": N_(
        "No Chinese font for reports: install fonts-noto-cjk or set CONSOLE_REPORT_FONT_*"
    ),
}

DOMAIN = Domain(
    name="reports",
    commands=COMMANDS,
    events=EVENTS,
    projectors=store.PROJECTORS,
    tables=(report_items, report_versions, report_deliveries, report_receipts),
    snapshot_parts=SNAPSHOT_PARTS,
    messages=MESSAGES,
    grants=GRANTS,
    timers=(("report-delivery", delivery_worker), ("report-statistics", statistics_timer)),
    check_settings=config.check_settings,
)
