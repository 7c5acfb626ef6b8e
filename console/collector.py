"""Python's garbage collector in a long-running console process: full collections a tenth as often.

A full (generation 2) collection stops every thread of the process while it walks every container
object: in a serve process with 1,000 live clients that was 110–160 ms, and with Python's thresholds
one came every 2–10 s while the alert worker sent a backlog (each attempt recorded and published makes
objects that outlive the young generations). A registration whose commit fell in one waited for it, so
sending showed on the live screens as p99s of 65–180 ms against 30–45 ms idle (bench/README §1, "Fan-out
with the alert worker busy vs idle").

So a full collection waits for FULL_AFTER collections of the middle generation instead of Python's 10.
The young generations still run at Python's thresholds (each well under a millisecond here), and cyclic
garbage that reached the old generation waits longer to be freed: memory, not correctness. (Freezing
what the process made at start, `gc.freeze`, would also shorten each full collection by about 40 %, but
it cost 1.5–2 KiB of resident memory per idle connection at 1,000 clients, past the 30 KiB aim.)

Tests' in-process servers are left alone: the test runner keeps Python's thresholds.
"""

from __future__ import annotations

import gc

# Middle-generation collections between two full ones (Python's default is 10).
FULL_AFTER = 100


def settle() -> None:
    """Call once when the process starts serving."""
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_AFTER)
