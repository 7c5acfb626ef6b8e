"""Python's garbage collector in a long-running console process: full collections rarer and shorter.

A full (generation 2) collection stops every thread of the process while it walks every container
object: in a serve process with 1,000 live clients that was 110–160 ms, and with the default
thresholds one came every 2–10 s while the alert worker sent a backlog (each attempt recorded and
published makes objects that outlive the young generations). A registration whose commit fell in one
waited for it, so sending showed on the live screens as p99s of 65–180 ms against 30–45 ms idle
(bench/README §1, "Fan-out with the alert worker busy vs idle").

Two changes, made once when a serve or alert-worker process has started:

- what the process has made by then (modules, classes, the app, compiled statements: about 100,000
  objects) is moved out of the collector's generations (`gc.freeze`): they live as long as the process,
  and no full collection walks them again;
- a full collection waits for FULL_AFTER collections of the middle generation instead of Python's 10.
  The young generations still run at Python's thresholds (each well under a millisecond here), and
  cyclic garbage that reached the old generation waits longer to be freed: memory, not correctness.

Tests' in-process servers are left alone: freezing the test runner's objects would keep them all.
"""

from __future__ import annotations

import gc

# Middle-generation collections between two full ones (Python's default is 10).
FULL_AFTER = 100


def settle() -> None:
    """Call once the process has made what it keeps (before serving)."""
    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_AFTER)
