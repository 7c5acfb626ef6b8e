"""The inspector's bundle: a changed byte in any file is found and the file named; an untouched bundle
passes in a fresh directory with no database and no settings; confidential values never leave."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from script import INCIDENT, at, load_into, scripted
from support import Deployment

from console.cli import main
from console.domains import registry
from console.review.export import withheld_part
from review.bundle import (
    CHAIN_FILE,
    EVENTS_FILE,
    MANIFEST_FILE,
    ChainEntry,
    build,
    to_zip,
    verify,
    verify_zip,
)

EVENTS = scripted().events
SECRET = "张某某"


def files() -> dict[str, bytes]:
    reg = registry()
    own = [e for e in EVENTS if e.position >= 5]  # from the registration on
    withheld = {e.position: w for e in own if (w := withheld_part(reg, e)) is not None}
    chain = [ChainEntry(e.position, e.prev_hash, e.hash) for e in own]
    extra = {"compliance.csv": "类别 kind\r\n".encode()}
    return build(
        incident_id=INCIDENT,
        number="XF-2026-0001",
        events=own,
        withheld=withheld,
        chain=chain,
        exported_at=at(60),
        exported_by="inspector",
        extra=extra,
    )


def test_an_untouched_bundle_passes_and_carries_no_confidential_value() -> None:
    bundle = files()
    verdict = verify(bundle)
    assert verdict.ok, verdict
    assert verdict.events == len(EVENTS) - 4 and verdict.redacted == 1
    assert SECRET not in to_zip(bundle).decode("utf-8", "replace")
    assert all(SECRET not in data.decode() for data in bundle.values())


@pytest.mark.parametrize("name", [EVENTS_FILE, CHAIN_FILE, MANIFEST_FILE, "compliance.csv"])
@pytest.mark.parametrize("where", [0, 0.5, -2])
def test_a_changed_byte_in_any_file_is_named(name: str, where: float) -> None:
    bundle = files()
    data = bytearray(bundle[name])
    i = int(len(data) * where) if where >= 0 else len(data) + int(where)
    data[i] = ord("x") if data[i] != ord("x") else ord("y")
    verdict = verify({**bundle, name: bytes(data)})
    assert verdict.file == name, verdict


def test_rewriting_a_file_and_its_digest_is_caught_by_the_manifest_or_the_chain() -> None:
    bundle = files()
    # a forger who edits an event and puts the new digest in the manifest breaks the manifest's own digest
    edited = bundle[EVENTS_FILE].replace("陈队长".encode(), "王队长".encode())
    manifest = bundle[MANIFEST_FILE].replace(
        __import__("hashlib").sha256(bundle[EVENTS_FILE]).hexdigest().encode(),
        __import__("hashlib").sha256(edited).hexdigest().encode(),
    )
    assert verify({**bundle, EVENTS_FILE: edited, MANIFEST_FILE: manifest}).file == MANIFEST_FILE


def test_a_damaged_archive_names_the_member() -> None:
    raw = bytearray(to_zip(files()))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf:
        info = zf.getinfo(EVENTS_FILE)
    # the first byte of the member's compressed data, after its local header
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + 10] ^= 0xFF
    verdict = verify_zip(bytes(raw), "b.zip")
    assert verdict.file == EVENTS_FILE, verdict


def test_export_then_verify_on_a_machine_without_the_database(
    deployment: Deployment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_into(deployment)
    for key in [k for k in os.environ if k.startswith("CONSOLE_")]:
        monkeypatch.delenv(key)
    for key, value in deployment.env.items():
        monkeypatch.setenv(key, value)
    target = tmp_path / "out" / "bundle.zip"
    # in-process (the console's own command line); the check below runs as its own process
    assert main(["export-bundle", "XF-2026-0001", "--output", str(target)]) == 0
    assert "bundle written" in capsys.readouterr().out
    assert main(["export-bundle", "XF-0000", "--output", str(tmp_path / "none.zip")]) == 1
    assert "XF-0000" in capsys.readouterr().err and not (tmp_path / "none.zip").exists()

    # the inspector's machine: another directory, no database, no console settings at all
    away = tmp_path / "inspector"
    away.mkdir()
    copy = away / "bundle.zip"
    copy.write_bytes(target.read_bytes())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(away)}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]

    def check(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "console", "verify-bundle", str(path)],
            env=env,
            cwd=away,
            capture_output=True,
            text=True,
            timeout=60,
        )

    ok = check(copy)
    assert ok.returncode == 0, ok.stderr
    assert "bundle intact" in ok.stdout and EVENTS[-1].hash in ok.stdout
    assert not list(away.glob("*.db")) and not (away / "var").exists()
    with zipfile.ZipFile(copy) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    assert "compliance.csv" in members and "钱值班 (p-qian)" in members["compliance.csv"].decode("utf-8-sig")
    assert all(SECRET not in v.decode("utf-8", "replace") for v in members.values())

    members[CHAIN_FILE] = members[CHAIN_FILE].replace(b'"hash":"', b'"hash":"0', 1)
    bad = away / "tampered.zip"
    bad.write_bytes(to_zip(members))
    refused = check(bad)
    assert refused.returncode == 1 and CHAIN_FILE in refused.stderr
