"""The report events: drafted, edited, submitted, returned, approved (签发, with hash and witness), sent."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from reports.model import Draft, FieldKey, ReportField, Stage

from ..events import EventPayload, event_type


class ReportStatus(StrEnum):
    """Where a report's current version stands (the machine is console.reports.decide.TRANSITIONS)."""

    DRAFTED = "drafted"  # 草稿
    SUBMITTED = "submitted"  # 待签发
    RETURNED = "returned"  # 已退回
    APPROVED = "approved"  # 已签发
    SENT = "sent"  # 已报送 (handed over for delivery)


class FieldData(BaseModel):
    """One field of a draft as the log stores it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: FieldKey
    text: str
    sources: tuple[int, ...] = ()
    required: bool = False
    edited: bool = False
    lines: tuple[tuple[int, ...], ...] = ()  # per line of the text, the positions it counted


class DraftData(BaseModel):
    """A draft as the log stores it (reports.model.Draft)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: Stage
    sequence: int
    number: str
    title: str
    drill: bool
    fields: tuple[FieldData, ...]
    through: int
    since: int | None = None

    @classmethod
    def of(cls, draft: Draft) -> DraftData:
        fields = tuple(
            FieldData(
                key=f.key,
                text=f.text,
                sources=f.sources,
                required=f.required,
                edited=f.edited,
                lines=f.lines,
            )
            for f in draft.fields
        )
        return cls(
            stage=draft.stage,
            sequence=draft.sequence,
            number=draft.number,
            title=draft.title,
            drill=draft.drill,
            fields=fields,
            through=draft.through,
            since=draft.since,
        )

    def draft(self) -> Draft:
        fields = tuple(
            ReportField(f.key, f.text, f.sources, f.required, f.edited, f.lines) for f in self.fields
        )
        return Draft(
            self.stage, self.sequence, self.number, self.title, self.drill, fields, self.through, self.since
        )


def stream_of_report(report_id: str) -> str:
    return f"report-{report_id}"


@event_type("report.drafted")
class ReportDrafted(EventPayload):
    report_id: str
    incident_id: str
    obligation_id: str | None
    version: int
    draft: DraftData
    corrects: str = ""  # a correction's new version says what it corrects

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # The text is for the roles that may read reports (report.read): clients fetch it through the
        # routes that check; the stream, which every board viewer gets, says only which report it is.
        draft = data.get("draft") or {}
        kept = {k: draft.get(k) for k in ("stage", "sequence", "number", "drill")}
        return {**{k: v for k, v in data.items() if k not in ("draft", "corrects")}, "draft": kept}


@event_type("report.edited")
class ReportEdited(EventPayload):
    report_id: str
    version: int
    texts: dict[FieldKey, str]

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # Which fields changed, never their text (see ReportDrafted.public_data).
        return {**{k: v for k, v in data.items() if k != "texts"}, "fields": sorted(data.get("texts") or {})}


@event_type("report.submitted")
class ReportSubmitted(EventPayload):
    report_id: str
    version: int


@event_type("report.returned")
class ReportReturned(EventPayload):
    report_id: str
    version: int
    reason: str

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # The leader's reason speaks of the report's content: it is read on the report page.
        return {k: v for k, v in data.items() if k != "reason"}


@event_type("report.approved")
class ReportApproved(EventPayload):
    """签发: the version is frozen; `content_hash` is the SHA-256 of `document`, the witness the chain
    head (position and hash) at the moment of approval, printed on the report."""

    report_id: str
    version: int
    signer: str
    serial: int
    year: int
    document: str  # canonical JSON of reports.document.ReportDocument
    content_hash: str
    witness_position: int
    witness_hash: str

    @classmethod
    def public_data(cls, data: dict[str, Any], classes: frozenset[str]) -> dict[str, Any]:
        # The frozen text may hold approved confidential values: clients fetch it through the routes
        # that check who may read it, never from the stream.
        return {k: v for k, v in data.items() if k != "document"}


@event_type("report.confidential_included")
class ReportConfidentialIncluded(EventPayload):
    """批准载明: a leader approved including these confidential fields in this version (the values are
    taken from the incident's sealed record by the projection; the event never carries them)."""

    report_id: str
    incident_id: str
    version: int
    fields: list[str]
    reason: str


class PlannedChannel(BaseModel):
    """A recipient's first channel as the offices file named it when the report was sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recipient: str
    kind: str
    fingerprint: str
    mode: str  # attachment (the PDF goes with the message) or link (a notice with a signed link)


@event_type("report.sent")
class ReportSent(EventPayload):
    """报送: the approved version is handed over to be delivered to these recipients.

    Its projector writes the delivery outbox (console.reports.delivery sends it): one attempt per
    recipient on its first channel; a recipient without a channel is delivered by phone.
    """

    report_id: str
    incident_id: str
    version: int
    content_hash: str
    recipients: list[str]
    drill: bool
    channels: tuple[PlannedChannel, ...] = ()


class NextDelivery(BaseModel):
    """After a failed attempt: the next one (same channel again, or the office's next channel)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    channel_index: int
    attempt_no: int
    kind: str
    fingerprint: str
    mode: str
    due_at: str


@event_type("report.delivery_attempted")
class ReportDeliveryAttempted(EventPayload):
    """One delivery attempt of a report to one office, as apprise reported it (scrubbed of the URL)."""

    delivery_id: str
    report_id: str
    version: int
    recipient: str
    ok: bool
    status: str
    reason: str
    next: NextDelivery | None = None


@event_type("report.receipt_confirmed")
class ReportReceiptConfirmed(EventPayload):
    """电话确认: the office confirmed by phone that it received the report (who there, when); the
    event's actor is the duty officer who took the call."""

    report_id: str
    version: int
    recipient: str
    confirmed_by: str
    confirmed_at: str
    note: str = ""


@event_type("report.downloaded")
class ReportDownloaded(EventPayload):
    """下载登记: who fetched which version of a report, in which form (the event's actor and time)."""

    report_id: str
    version: int
    format: str


EVENTS: tuple[type[EventPayload], ...] = (
    ReportDrafted,
    ReportEdited,
    ReportSubmitted,
    ReportReturned,
    ReportApproved,
    ReportConfidentialIncluded,
    ReportSent,
    ReportDownloaded,
    ReportDeliveryAttempted,
    ReportReceiptConfirmed,
)
