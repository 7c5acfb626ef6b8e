"""The inspector's export bundle (督查导出包) and its offline check.

A bundle is a zip of:

- `events.jsonl`: the incident's events as stored, one JSON object a line, in position order. An event
  whose payload holds confidential or personal values has `payload_json` null, `redacted` true and
  `public` (what every signed-in view is shown of it): its hash is vouched for by the chain, not recomputed.
- `chain.jsonl`: `{position, prev_hash, hash}` of every event from the first exported one to the head,
  so the links between the exported events (and up to the head) can be checked without the others.
- other files the exporter adds (e.g. `reports/…pdf`), each listed in the manifest.
- `manifest.json`: the format, the incident, the chain range and head, each file's SHA-256, and its own
  SHA-256 (`manifest_sha256`, over the canonical JSON without that field).

`verify` needs only the bytes: it names the first file at fault. What it cannot know offline is whether
the head is the console's: compare `chain.head_hash` with `verify-log` on the console, or with a head
recorded when the bundle was handed over.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.eventlog import GENESIS
from console.events import RecordedEvent, canonical_json

FORMAT = "incident-console-bundle/1"
EVENTS_FILE = "events.jsonl"
CHAIN_FILE = "chain.jsonl"
MANIFEST_FILE = "manifest.json"
_FIELDS = (
    "position",
    "stream",
    "type",
    "actor_id",
    "actor_name",
    "occurred_at",
    "recorded_at",
    "visibility",
    "command_id",
    "payload_json",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class ChainEntry:
    position: int
    prev_hash: str
    hash: str


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _lines(rows: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(canonical_json(r) + "\n" for r in rows).encode()


def _manifest_bytes(body: Mapping[str, Any]) -> bytes:
    sealed = {**body, "manifest_sha256": _sha(canonical_json(body).encode())}
    return (canonical_json(sealed) + "\n").encode()


def build(
    *,
    incident_id: str,
    number: str,
    events: Sequence[RecordedEvent],
    withheld: Mapping[int, Mapping[str, Any]],
    chain: Sequence[ChainEntry],
    exported_at: datetime,
    exported_by: str,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """The bundle's files; `withheld` gives, by position, the public form of events left out in part."""
    rows: list[dict[str, Any]] = []
    for e in sorted(events, key=lambda e: e.position):
        row: dict[str, Any] = {name: getattr(e, name) for name in _FIELDS}
        if e.position in withheld:
            row.update(payload_json=None, redacted=True, public=dict(withheld[e.position]))
        rows.append(row)
    files = {
        EVENTS_FILE: _lines(rows),
        CHAIN_FILE: _lines(
            [{"position": c.position, "prev_hash": c.prev_hash, "hash": c.hash} for c in chain]
        ),
        **(extra or {}),
    }
    head = chain[-1] if chain else ChainEntry(0, GENESIS, GENESIS)
    body = {
        "format": FORMAT,
        "incident": {"id": incident_id, "number": number},
        "exported_at": exported_at.isoformat(),
        "exported_by": exported_by,
        "chain": {
            "from": chain[0].position if chain else 0,
            "head_position": head.position,
            "head_hash": head.hash,
        },
        "events": len(rows),
        "redacted": sorted(withheld),
        "confidential": "omitted",  # confidential and personal values never leave in a bundle
        "files": {name: _sha(data) for name, data in sorted(files.items())},
    }
    return {**files, MANIFEST_FILE: _manifest_bytes(body)}


def to_zip(files: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    return out.getvalue()


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a bundle: the file at fault (None when intact) and why."""

    file: str | None
    reason: str = ""
    events: int = 0
    head_position: int = 0
    head_hash: str = ""
    redacted: int = 0

    @property
    def ok(self) -> bool:
        return self.file is None


class _Fault(Exception):
    def __init__(self, file: str, reason: str) -> None:
        self.file, self.reason = file, reason
        super().__init__(f"{file}: {reason}")


def read_zip(data: bytes, archive: str = "bundle.zip") -> dict[str, bytes]:
    """The members of a zip; a damaged one raises naming it (or the archive, if it cannot be opened)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise _Fault(archive, f"not a readable zip ({exc})") from None
    files: dict[str, bytes] = {}
    with zf:
        for info in zf.infolist():
            try:
                files[info.filename] = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                raise _Fault(info.filename, f"damaged in the archive ({exc})") from None
    return files


def _json_lines(files: Mapping[str, bytes], name: str) -> list[dict[str, Any]]:
    try:
        rows = [json.loads(line) for line in files[name].decode().splitlines() if line]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Fault(name, f"not JSON lines ({exc})") from None
    if not all(isinstance(r, dict) for r in rows):
        raise _Fault(name, "a line is not an object")
    return rows


def _manifest(files: Mapping[str, bytes]) -> dict[str, Any]:
    raw = files.get(MANIFEST_FILE)
    if raw is None:
        raise _Fault(MANIFEST_FILE, "missing")
    try:
        manifest = json.loads(raw.decode())
        body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise _Fault(MANIFEST_FILE, f"not a JSON object ({exc})") from None
    if raw != _manifest_bytes(body) or manifest.get("format") != FORMAT:
        raise _Fault(MANIFEST_FILE, "its own digest does not match its content")
    checked: dict[str, Any] = manifest
    return checked


def _check(files: Mapping[str, bytes]) -> Verdict:
    manifest = _manifest(files)
    listed: dict[str, str] = manifest["files"]
    for name in sorted(set(files) - set(listed) - {MANIFEST_FILE}):
        raise _Fault(name, "not listed in the manifest")
    for name, digest in sorted(listed.items()):
        if name not in files:
            raise _Fault(name, "listed in the manifest but missing")
        if _sha(files[name]) != digest:
            raise _Fault(name, "SHA-256 differs from the manifest")
    chain = _json_lines(files, CHAIN_FILE)
    span = manifest["chain"]
    entries: dict[int, dict[str, Any]] = {}
    previous: dict[str, Any] | None = None
    entry: dict[str, Any] | None
    for entry in chain:
        expected = span["from"] if previous is None else previous["position"] + 1
        if entry.get("position") != expected:
            raise _Fault(CHAIN_FILE, f"position {entry.get('position')} where {expected} was expected")
        if previous is not None and entry.get("prev_hash") != previous["hash"]:
            raise _Fault(CHAIN_FILE, f"position {expected} does not link to the one before")
        if previous is None and expected == 1 and entry.get("prev_hash") != GENESIS:
            raise _Fault(CHAIN_FILE, "position 1 does not start the chain")
        entries[expected] = entry
        previous = entry
    last = previous or {"position": 0, "hash": GENESIS}
    if last["position"] != span["head_position"] or last["hash"] != span["head_hash"]:
        raise _Fault(CHAIN_FILE, "does not end at the manifest's head")
    events = _json_lines(files, EVENTS_FILE)
    redacted = 0
    for row in events:
        position = row.get("position")
        entry = entries.get(position) if isinstance(position, int) else None
        if entry is None:
            raise _Fault(EVENTS_FILE, f"event {position} is outside the chain")
        if row.get("hash") != entry["hash"] or row.get("prev_hash") != entry["prev_hash"]:
            raise _Fault(EVENTS_FILE, f"event {position} is not the chain's")
        if row.get("redacted"):
            redacted += 1
            continue
        try:
            event = RecordedEvent(**{name: row[name] for name in _FIELDS})
        except (KeyError, TypeError):
            raise _Fault(EVENTS_FILE, f"event {position} lacks a field") from None
        if _sha(event.hash_material().encode()) != event.hash:
            raise _Fault(EVENTS_FILE, f"event {position} does not match its hash")
    if len(events) != manifest["events"] or redacted != len(manifest["redacted"]):
        raise _Fault(EVENTS_FILE, "the count of events differs from the manifest")
    return Verdict(
        None,
        events=len(events),
        head_position=span["head_position"],
        head_hash=span["head_hash"],
        redacted=redacted,
    )


def verify(files: Mapping[str, bytes]) -> Verdict:
    """Check a bundle's files; the verdict names the first file at fault."""
    try:
        return _check(files)
    except _Fault as fault:
        return Verdict(fault.file, fault.reason)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Verdict(MANIFEST_FILE, f"malformed ({exc!r})")


def verify_zip(data: bytes, archive: str = "bundle.zip") -> Verdict:
    try:
        files = read_zip(data, archive)
    except _Fault as fault:
        return Verdict(fault.file, fault.reason)
    return verify(files)
