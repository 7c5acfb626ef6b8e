"""The run projection: one row per incident whose playbook runs (应急预案执行), on the shared metadata."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table, Text

from ..tables import metadata

# The snapshot is pinned here as the registration event carried it: editing the YAML never reaches it.
# `history` is the run's records (playbooks.history) as JSON, in log order.
playbook_runs = Table(
    "playbook_runs",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("playbook_id", String(64), nullable=False),
    Column("playbook_version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("facts", Text, nullable=False),
    Column("history", Text, nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)
