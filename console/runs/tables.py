"""The run projection: one row per incident whose playbook runs (应急预案执行), on the shared metadata."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table, Text

from ..tables import Instant, metadata

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
    # Who recorded each history record, in the same order: [{"id","name","proposed_by","proposed_by_name"}]
    # (the pure records carry no actor; the run's view says who caused each regrade from it).
    Column("actors", Text, nullable=False, server_default="[]"),
    # Who was sent to the incident and who arrived, first time each (console.runs.follow.FieldLog, JSON):
    # projected from responder.moved, it ticks the team's dispatch step and the leader's step on site.
    Column("field", Text, nullable=False, server_default="{}"),
)

# 定级要素变更待确认: facts proposed by someone who may not regrade, and what became of them.
run_fact_proposals = Table(
    "run_fact_proposals",
    metadata,
    Column("proposal_id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("facts", Text, nullable=False),
    Column("based_on", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("level_from", String(20), nullable=False),
    Column("level_to", String(20), nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("proposed_by_name", String(200), nullable=False),
    Column("proposed_at", Instant, nullable=False),
    Column("status", String(20), nullable=False),  # pending, confirmed, declined
    Column("decided_by", String(64), nullable=True),
    Column("decided_by_name", String(200), nullable=True),
    Column("position", BigInteger, nullable=False),
)
