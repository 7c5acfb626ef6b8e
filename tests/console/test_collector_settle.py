"""A serve or alert-worker process moves what it made at start out of the garbage collector's way and
runs full collections less often (console/collector.py); what it makes later is still collected."""

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
    kept = [Node() for _ in range(1000)]  # made before settling: frozen with the rest
    settle()
    frozen = gc.get_freeze_count()
    after = gc.get_threshold()
    # A cycle made afterwards is garbage the collector still finds.
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    print(json.dumps({"before": before, "after": after, "frozen": frozen, "cycle_freed": gone() is None,
                      "kept": len(kept)}))
    """
)


def test_settle_freezes_what_start_made_and_spaces_full_collections() -> None:
    probe = [sys.executable, "-c", PROBE]
    done = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(done.stdout)
    young, middle, _old = seen["before"]
    assert seen["after"] == [young, middle, FULL_AFTER]  # the young generations keep Python's thresholds
    assert FULL_AFTER > seen["before"][2]
    assert seen["frozen"] >= seen["kept"]  # the objects made before settling are out of the generations
    assert seen["cycle_freed"] is True
