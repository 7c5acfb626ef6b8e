"""The playbook library as the console sees it: loaded from YAML, reloaded when a file changes.

A broken file is logged with its file, line and field and left out; the others keep working, and a
run already going keeps the snapshot it started with (it never reads the library again).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from playbooks.facts import IncidentType
from playbooks.loader import LIBRARY_DIR, Library, load_library
from playbooks.model import PlaybookSnapshot

log = logging.getLogger("console.runs")

_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[tuple[str, int], ...], Library]] = {}


def _stamp(directory: Path) -> tuple[tuple[str, int], ...]:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.yaml")))
    except OSError:
        return ()


def library(directory: Path = LIBRARY_DIR) -> Library:
    """The library as the files are now (parsed again only when a file was added, changed or removed)."""
    stamp = _stamp(directory)
    with _lock:
        cached = _cache.get(directory)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        loaded = load_library(directory)
        for error in loaded.errors:
            log.error("playbook_invalid", extra={"problem": str(error)})
        _cache[directory] = (stamp, loaded)
        return loaded


def playbook_for(incident_type: str, directory: Path = LIBRARY_DIR) -> PlaybookSnapshot | None:
    """The playbook that serves this incident type, pinned as it is now; None if none serves it."""
    try:
        kind = IncidentType(incident_type)
    except ValueError:
        return None
    return library(directory).for_incident(kind)
