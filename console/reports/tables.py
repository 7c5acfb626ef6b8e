"""The reports projection: one row per report and one per version, on the shared metadata."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table, Text

from ..tables import metadata

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
