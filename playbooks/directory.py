"""The playbook library as the console sees it: loaded from YAML, reloaded when a file changes.

A broken file is logged with its file, line and field. If that file loaded before, its last good
version stays in service, so an office saving a half-edited playbook does not leave the next incident
without one; a file that never loaded is left out. The others keep working either way, and a run
already going keeps the snapshot it started with (it never reads the library again).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .facts import IncidentType
from .loader import LIBRARY_DIR, Library, LoadError, ParseResult, load_playbook
from .model import PlaybookSnapshot

log = logging.getLogger("console.playbooks")

_lock = threading.Lock()

Stamp = tuple[int, int]  # (mtime_ns, size) of one file


@dataclass(frozen=True)
class _FileState:
    stamp: Stamp
    result: ParseResult  # as the file is now
    good: PlaybookSnapshot | None  # what serves: this version if it loaded, else the last good one


@dataclass
class _Directory:
    files: dict[str, _FileState]
    library: Library
    kept: tuple[str, ...]  # files whose last good version serves because the current one is broken


_cache: dict[Path, _Directory] = {}


def _stamps(directory: Path) -> dict[str, Stamp] | None:
    # What `sorted(directory.glob("*.yaml"))` lists, each file stat'ed (None if that fails), without
    # making a path object per entry: every registration looks. Like the glob, a directory that is not
    # there, or may not be listed, has no files.
    try:
        if not directory.is_dir():
            return {}
        try:
            with os.scandir(directory) as entries:
                names = sorted(entry.name for entry in entries if entry.name.endswith(".yaml"))
        except PermissionError:
            return {}
        stamps: dict[str, Stamp] = {}
        for name in names:
            st = os.stat(os.path.join(directory, name))
            stamps[name] = (st.st_mtime_ns, st.st_size)
        return stamps
    except OSError:
        return None


def _load(directory: Path, stamps: dict[str, Stamp], before: _Directory | None) -> _Directory:
    files: dict[str, _FileState] = {}
    for name, stamp in stamps.items():
        old = before.files.get(name) if before else None
        if old is not None and old.stamp == stamp:
            files[name] = old
            continue
        try:
            result = load_playbook(directory / name)
        except Exception as exc:  # one strange file must not take the whole library down
            result = ParseResult(None, (LoadError(str(directory / name), None, "", f"unexpected: {exc!r}"),))
        good = result.snapshot or (old.good if old is not None else None)
        files[name] = _FileState(stamp, result, good)
    serving: list[PlaybookSnapshot] = []
    errors: list[LoadError] = []
    kept: list[str] = []
    for name, state in files.items():
        errors += state.result.errors
        snap = state.good
        if snap is None:
            continue
        if state.result.snapshot is None:
            kept.append(name)
        if any(s.playbook.id == snap.playbook.id for s in serving):
            used = f"playbook id '{snap.playbook.id}' is already used"
            errors.append(LoadError(str(directory / name), None, "id", used))
            continue
        serving.append(snap)
    return _Directory(files, Library(tuple(serving), tuple(errors)), tuple(kept))


def library(directory: Path = LIBRARY_DIR) -> Library:
    """The library as the files are now (a file is parsed again only when it changed)."""
    stamps = _stamps(directory)
    with _lock:
        before = _cache.get(directory)
        if stamps is None:
            if before is not None:
                return before.library  # the directory went away for a moment: keep serving
            problem = LoadError(str(directory), None, "", "cannot list the playbook directory")
            return Library((), (problem,))
        if before is not None and {n: f.stamp for n, f in before.files.items()} == stamps:
            return before.library
        loaded = _load(directory, stamps, before)
        _cache[directory] = loaded
    for error in loaded.library.errors:
        log.error("playbook_invalid", extra={"problem": str(error)})
    for name in loaded.kept:
        log.warning("playbook_last_good_version_kept", extra={"file": name})
    return loaded.library


def playbook_for(incident_type: str, directory: Path = LIBRARY_DIR) -> PlaybookSnapshot | None:
    """The playbook that serves this incident type, pinned as it is now; None if none serves it."""
    try:
        kind = IncidentType(incident_type)
    except ValueError:
        return None
    return library(directory).for_incident(kind)
