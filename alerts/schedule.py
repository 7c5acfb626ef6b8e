"""When the next attempt goes out: exponential backoff with jitter per channel, then the next channel.

The jitter is drawn from the attempt's dedupe key, not a random generator: the same failure always
schedules the same retry, so a rebuild of the outbox from the log lands on the same times.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """How often one channel is tried before the next, and how long between tries."""

    attempts_per_channel: int = 3
    base_seconds: float = 5.0
    factor: float = 2.0
    cap_seconds: float = 300.0
    jitter: float = 0.2  # ± this fraction of the delay


@dataclass(frozen=True)
class NextAttempt:
    """The attempt to make after a failure: which channel, which try of it, and when."""

    channel_index: int
    attempt_no: int
    due_at: datetime


def _unit(key: str) -> float:
    """A number in [0, 1) drawn from the key."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0x1_0000_0000


def backoff(policy: RetryPolicy, attempt_no: int, key: str) -> timedelta:
    """How long to wait after the `attempt_no`-th failed try of a channel (1-based)."""
    delay = min(policy.cap_seconds, policy.base_seconds * policy.factor ** (attempt_no - 1))
    spread = policy.jitter * (2 * _unit(key) - 1)
    return timedelta(seconds=max(0.0, delay * (1 + spread)))


def after_failure(
    policy: RetryPolicy, *, channel_index: int, attempt_no: int, channels: int, key: str, now: datetime
) -> NextAttempt | None:
    """The next attempt after this one failed, or None when every channel of the person is used up."""
    if attempt_no < policy.attempts_per_channel:
        return NextAttempt(channel_index, attempt_no + 1, now + backoff(policy, attempt_no, key))
    if channel_index + 1 < channels:
        return NextAttempt(channel_index + 1, 1, now)
    return None
