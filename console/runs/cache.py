"""Bounded caches of what is costly to rebuild from a run's row and never changes for the same key.

A pinned playbook (≈15 KB of JSON, validated and hashed again on every parse) is the same for every
run that pinned the same content hash; a run's board summary as of its last record is the same for the
same row position and thresholds. Both are keyed by what makes them immutable, so no entry is ever
stale; the bound only caps memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from playbooks.model import PlaybookSnapshot

K = TypeVar("K")
V = TypeVar("V")

# A library has a handful of playbooks and a few versions of each over a year.
SNAPSHOT_CACHE_SIZE = 64
# One board summary per run that a connecting client may be sent.
SUMMARY_CACHE_SIZE = 4096


class Bounded(Generic[K, V]):
    """A least-recently-used map of at most `size` entries, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The cached value, or `make()` stored under `key` (made outside the lock: it may be slow)."""
        value = self.get(key)
        return value if value is not None else self.put(key, make())

    def __len__(self) -> int:
        return len(self._items)


_snapshots: Bounded[str, PlaybookSnapshot] = Bounded(SNAPSHOT_CACHE_SIZE)


def pinned_snapshot(content_hash: str, text: str) -> PlaybookSnapshot:
    """The snapshot a run pinned, parsed once per content hash.

    Validation checks that the playbook hashes to its `content_hash`, so every row naming the same
    hash holds the same playbook and the first parse serves them all.
    """
    cached = _snapshots.get(content_hash)
    if cached is not None:
        return cached
    snapshot = PlaybookSnapshot.model_validate_json(text)
    return _snapshots.put(snapshot.content_hash, snapshot)


# The text a run's row stores of its pinned playbook, by content hash: every registration wrote the
# same ≈15 KB dump of the same playbook again. The hash names the playbook's content, so the text made
# for one snapshot is the text of every snapshot pinning that hash.
_texts: Bounded[str, str] = Bounded(SNAPSHOT_CACHE_SIZE)


def snapshot_text(snapshot: PlaybookSnapshot) -> str:
    """`snapshot.model_dump_json()`, made once per content hash."""
    return _texts.get_or_make(snapshot.content_hash, snapshot.model_dump_json)


def snapshot_cache() -> Bounded[str, PlaybookSnapshot]:
    """The process's snapshot cache (tests look at its size and hits)."""
    return _snapshots
