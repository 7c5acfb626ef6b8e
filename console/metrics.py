"""Prometheus metrics of one console process (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

CONNECTED_CLIENTS = Gauge(
    "console_connected_clients", "WebSocket clients connected to this process", registry=REGISTRY
)
EVENTS_APPENDED = Counter(
    "console_events_appended_total", "Events appended to the log by this process", registry=REGISTRY
)
EVENTS_PUBLISHED = Counter(
    "console_events_published_total", "Events fanned out by this process", registry=REGISTRY
)
OUTBOUND_QUEUE_DEPTH = Gauge(
    "console_outbound_queue_depth", "Frames waiting in all outbound queues", registry=REGISTRY
)
OVERFLOW_CLOSES = Counter(
    "console_overflow_closes_total", "Connections closed because their queue overflowed", registry=REGISTRY
)
DEAD_PEERS = Counter(
    "console_dead_peers_total", "Connections closed because the peer stopped answering", registry=REGISTRY
)
COMMAND_LATENCY = Histogram(
    "console_command_seconds",
    "Time from a command's arrival to its commit (or refusal)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
LISTENER_RECONNECTS = Counter(
    "console_listener_reconnects_total",
    "Times the PostgreSQL LISTEN connection was re-opened",
    registry=REGISTRY,
)
FRAMES_DIRECT = Counter(
    "console_frames_direct_total",
    "Event frames written straight to a socket by the fan-out",
    registry=REGISTRY,
)
FRAMES_QUEUED = Counter(
    "console_frames_queued_total",
    "Event frames queued because a socket was full or the connection not yet live",
    registry=REGISTRY,
)
