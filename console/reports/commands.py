"""The report commands (报告起草、修改、提交、退回、签发、报送)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from reports.model import FieldKey, Stage

from ..commands import CommandArgs

IncidentId = Field(min_length=1, max_length=64)
ReportId = Field(min_length=1, max_length=64)


class DraftReport(CommandArgs):
    """起草: draft a report of an incident from its log (or a correction of an approved version)."""

    incident_id: str = IncidentId
    stage: Stage
    obligation_id: str | None = Field(default=None, min_length=1, max_length=64)


class DraftStatistics(CommandArgs):
    """起草统计报告: draft a month's (2026-11) or a quarter's (2026-Q4) statistics from the log."""

    period: str = Field(pattern=r"^20\d\d-(0[1-9]|1[0-2]|Q[1-4])$")


class EditReport(CommandArgs):
    """修改: the duty officer's texts for some fields (an empty text clears a field)."""

    report_id: str = ReportId
    texts: dict[FieldKey, Annotated[str, Field(max_length=4000)]] = Field(min_length=1, max_length=20)


class SubmitReport(CommandArgs):
    """提交: ask a leader to approve the current version."""

    report_id: str = ReportId


class ReturnReport(CommandArgs):
    """退回: send the version back for changes, with the reason."""

    report_id: str = ReportId
    reason: str = Field(min_length=1, max_length=2000)


class ApproveReport(CommandArgs):
    """签发: a leader approves the version; it is frozen and hashed."""

    report_id: str = ReportId


class SendReport(CommandArgs):
    """报送: hand the approved version over for delivery; this fulfils the playbook's obligation."""

    report_id: str = ReportId


class CorrectReport(CommandArgs):
    """更正: a new version of an approved or sent report, saying what it corrects."""

    report_id: str = ReportId
    corrects: str = Field(min_length=1, max_length=2000)


ConfidentialName = Literal[
    "informant_name",
    "informant_id_number",
    "informant_phone",
    "informant_address",
    "report_content",
    "real_name",
]


class IncludeConfidential(CommandArgs):
    """批准载明: a leader approves including some confidential values in this version, with the reason."""

    report_id: str = ReportId
    fields: list[ConfidentialName] = Field(min_length=1, max_length=6)
    reason: str = Field(min_length=1, max_length=2000)


class LogDownload(CommandArgs):
    """(internal) 下载登记: a report was downloaded or previewed; the console logs it before it is sent."""

    report_id: str = ReportId
    version: int | None = Field(default=None, ge=1, le=10_000)
    format: Literal["pdf", "docx", "preview"]


class RecordDelivery(CommandArgs):
    """(internal) 报送尝试: the delivery worker records one attempt's outcome."""

    delivery_id: str = Field(min_length=1, max_length=32)
    ok: bool
    status: str = Field(max_length=20)
    reason: str = Field(max_length=400)


class ConfirmReceipt(CommandArgs):
    """电话确认: the recipient office confirmed receipt by phone: who there, and when (default: now)."""

    report_id: str = ReportId
    recipient: str = Field(min_length=1, max_length=64)
    confirmed_by: str = Field(min_length=1, max_length=100)
    confirmed_at: AwareDatetime | None = None
    note: str = Field(default="", max_length=500)
