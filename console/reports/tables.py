"""The reports projection: one row per report and one per version, on the shared metadata."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from ..tables import Instant, metadata

# 报告: a report of an incident (首报 / 续报N / 终报 / 日报) and where its current version stands.
report_items = Table(
    "report_items",
    metadata,
    Column("report_id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("stage", String(16), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("obligation_id", String(64), nullable=True),
    Column("version", Integer, nullable=False),  # the current version
    Column("status", String(16), nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("last_position", BigInteger, nullable=False),
)

# 版本: each version's draft (fields with their log positions), and once approved its frozen document.
report_versions = Table(
    "report_versions",
    metadata,
    Column("report_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("draft", Text, nullable=False),  # JSON of console.reports.events.DraftData
    Column("corrects", Text, nullable=False),
    Column("returned_reason", Text, nullable=False),
    Column("serial", Integer, nullable=True),  # 文号 number within the year, given at approval
    Column("year", Integer, nullable=True),
    Column("signer", String(200), nullable=True),
    Column("document", Text, nullable=True),  # JSON of reports.document.ReportDocument, frozen
    Column("content_hash", String(64), nullable=True),
    Column("witness_position", BigInteger, nullable=True),
    Column("witness_hash", String(64), nullable=True),
    Column("approved_at", String(40), nullable=True),
    Column("sent_at", String(40), nullable=True),
    Column("recipients", Text, nullable=True),  # JSON list, at sending
)

# 报送记录: one row per delivery attempt of a sent version to one recipient office (recipient × channel ×
# try), written by the projector of `report.sent` in its transaction and closed by the attempt's event;
# a recipient without a channel has one row `by_phone` (the duty officer calls and records 电话确认).
# Only the lease columns are not from the log (which process holds an attempt in flight).
report_deliveries = Table(
    "report_deliveries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("report_id", String(64), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("channel_index", Integer, nullable=False),
    Column("attempt_no", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # the channel kind, or "phone"
    Column("fingerprint", String(16), nullable=False),
    Column("mode", String(16), nullable=False),  # attachment (the PDF itself), link (a notice), phone
    Column("state", String(20), nullable=False),  # pending, delivered, failed, by_phone
    Column("created_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("attempted_at", Instant, nullable=True),
    Column("status", String(20), nullable=True),
    Column("reason", String(400), nullable=True),
    Column("lease_until", Instant, nullable=True),
    Column("claimed_by", String(40), nullable=True),
    Column("last_position", BigInteger, nullable=False),
)
Index("ix_report_deliveries_due", report_deliveries.c.state, report_deliveries.c.due_at)

# 电话确认: a recipient office confirmed receipt by phone (who there, when, and who at the console took it).
report_receipts = Table(
    "report_receipts",
    metadata,
    Column("report_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("recipient", String(64), primary_key=True),
    Column("confirmed_by", String(100), nullable=False),  # the person at the office who confirmed
    Column("confirmed_at", Instant, nullable=False),
    Column("recorded_by", String(200), nullable=False),  # the duty officer who took the call
    Column("note", Text, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)
