"""A serve or alert-worker process runs full collections of the garbage collector a tenth as often
(console/collector.py); the young generations keep Python's thresholds, and cycles are still freed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from console.collector import FULL_AFTER

# In a process of its own: freezing the test runner's objects would keep them for the whole suite.
PROBE = textwrap.dedent(
    """
    import gc, json, weakref
    from console.collector import settle

    class Node:
        pass

    before = gc.get_threshold()
    settle()
    after = gc.get_threshold()
    # A cycle made afterwards is garbage the collector still finds.
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    print(json.dumps({"before": before, "after": after, "cycle_freed": gone() is None}))
    """
)


def test_settle_spaces_full_collections_and_cycles_are_still_freed() -> None:
    probe = [sys.executable, "-c", PROBE]
    done = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(done.stdout)
    young, middle, _old = seen["before"]
    assert seen["after"] == [young, middle, FULL_AFTER]  # the young generations keep Python's thresholds
    assert FULL_AFTER > seen["before"][2]
    assert seen["cycle_freed"] is True
