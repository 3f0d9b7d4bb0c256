"""Benchmark: verify on hostile bundles finishes in bounded time and memory.

    .venv/bin/python bench/hostile_verify.py [--rounds 3] [--segments 4500]

Builds, in a temporary folder, the hostile bundles found so far (each up to about 1 GB on
disk, or inflating to that), and a valid bundle of a month (4,500 segments with their
screenshots) as the reference. Each is verified in a fresh process; its wall time (of
verify_bundle alone) is printed next to hashing the same file once with SHA-256 in this
process, and its peak memory next to the valid bundle's. Targets (docs/performance.md): each
within 2 times the hashing time (for files too small for that to mean anything, the absolute
time is shown too) and within 200 MB of the valid bundle's peak memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.diary import hostile  # noqa: E402

GB = 1 << 30
MB = 1 << 20
#: Verifies one bundle in a fresh process and prints its outcome and verify's own seconds.
CHILD = """
import json, sys, time
from pathlib import Path
from diary.bundle import verify_bundle
from diary.errors import BadBundle
began = time.perf_counter()
try:
    verdict = verify_bundle(Path(sys.argv[1]))
    outcome = "ok" if verdict.ok else f"{len(verdict.failures) + verdict.more_failures} failures"
except BadBundle as error:
    outcome = "refused: " + str(error).split(": ", 1)[-1][:70]
print(json.dumps({"seconds": time.perf_counter() - began, "outcome": outcome}))
"""


def newline_bomb(path: Path) -> None:
    """records.jsonl of 1 GB of newlines, deflated to about 1 MB."""
    files = hostile.members()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            if name != "records.jsonl":
                archive.writestr(name, data)
        with archive.open("records.jsonl", "w", force_zip64=True) as member:
            block = b"\n" * (16 * MB)
            for _ in range(GB // len(block)):
                member.write(block)


def unnamed_member(path: Path) -> None:
    """A 1 GB member that no record names, stored."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in hostile.members().items():
            archive.writestr(name, data)
        with archive.open("screenshots/unnamed.jpg", "w", force_zip64=True) as member:
            block = os.urandom(16 * MB)
            for _ in range(GB // len(block)):
                member.write(block)


def one_long_line(path: Path) -> None:
    """records.jsonl of one 60 MB line (under the member's limit, over the line's), deflated."""
    files = hostile.members() | {"records.jsonl": b'{"record": "' + b"x" * (60 * MB) + b'"}\n'}
    path.write_bytes(hostile.zip_bytes(files, zipfile.ZIP_DEFLATED))


def two_million_lines(path: Path) -> None:
    files = hostile.members() | {"records.jsonl": b"{}\n" * 2_000_000}
    path.write_bytes(hostile.zip_bytes(files, zipfile.ZIP_DEFLATED))


def member_listed_200_times(path: Path) -> None:
    """One 16 MB member in the zip's directory 200 times, under 200 names (all named by no
    record here; the point is that each could be, and be read again)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in hostile.members().items():
            archive.writestr(name, data)
        archive.writestr("screenshots/shared.jpg", os.urandom(16 * MB))
        shared = archive.filelist[-1]
        for n in range(200):  # directory entries of their own, all at the same local header
            copy = copy_info(shared, f"screenshots/{n:064x}.jpg")
            archive.filelist.append(copy)


def many_members_one_twice(path: Path) -> None:
    """100,000 empty members (the directory's limit), one name listed twice."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in hostile.members().items():
            archive.writestr(name, data)
        for n in range(99_990):
            archive.writestr(f"extra/{n}", b"")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
            archive.writestr("extra/0", b"")


def inflating_screenshots(path: Path) -> None:
    """The most a bundle may make verify inflate and hash: a 1 GB member no record names, and
    records naming 16 MiB screenshots of zeros (deflated to kilobytes), as many as the limit on
    inflation lets through (a tenth of the zip's size, and one screenshot)."""
    zeros = bytes(16 * MB)
    # Within the limit: a tenth of the zip's size and one screenshot.
    named_screenshots(path, [zeros] * ((GB // 10) // len(zeros) + 1), padding=GB)


def deflated_screenshots(path: Path) -> None:
    """1 GB of screenshots that records name, deflated (so read through zlib, not in place)."""
    block = os.urandom(15 * MB)  # deflated, random data takes a little more room
    named_screenshots(path, [block] * (GB // len(block)), padding=0)


def named_screenshots(path: Path, contents: list[bytes], padding: int) -> None:
    """One record naming a screenshot for each of ``contents`` (each its own member, deflated;
    the hashes are made up, so the record fails), and ``padding`` bytes no record names."""
    files = hostile.members()
    lines = files["records.jsonl"].decode().splitlines()
    hashes = [f"{n:064x}" for n in range(len(contents))]
    for at, line in enumerate(lines):
        entry = json.loads(line)
        if entry["record"]["type"] == "segment" and (entry.get("details") or {}).get("screenshots"):
            shots = entry["details"]["screenshots"]
            template = shots[0]
            entry["details"]["screenshots"] = [template | {"sha256": h} for h in hashes]
            lines[at] = json.dumps(entry)
            break
    files["records.jsonl"] = ("\n".join(lines) + "\n").encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for digest, content in zip(hashes, contents, strict=True):
            archive.writestr(f"screenshots/{digest}.jpg", content, zipfile.ZIP_DEFLATED)
        if padding:
            with archive.open("padding", "w", force_zip64=True) as member:
                block = os.urandom(16 * MB)
                for _ in range(padding // len(block)):
                    member.write(block)


def copy_info(info: zipfile.ZipInfo, name: str) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(name, info.date_time)
    for field in ("compress_type", "CRC", "compress_size", "file_size", "header_offset"):
        setattr(copy, field, getattr(info, field))
    return copy


def valid_month(path: Path, segments: int) -> None:
    from datetime import timedelta

    from bench.sign_verify import START, build_diary, screenshot_bytes
    from sync.export import export_bundle
    from sync.keys import MemoryVault
    from sync.ledger import Ledger
    from sync.signer import Signer

    data_dir = path.parent / "valid-data"
    data_dir.mkdir()
    store, clock = build_diary(data_dir, segments, screenshot_bytes(100))
    ledger = Ledger(store)
    Signer(store, ledger, MemoryVault(), clock).sign_pending()
    end = START + timedelta(days=-(-segments // 144))
    export_bundle(store, ledger, data_dir, START, None, path, clock.now(), "bench", end)
    store.close()


CASES: dict[str, Callable[[Path], None]] = {
    "1 GB of newlines, deflated": newline_bomb,
    "1 GB member no record names": unnamed_member,
    "one 60 MB line": one_long_line,
    "2 million lines of {}": two_million_lines,
    "16 MB member listed 200 times": member_listed_200_times,
    "100,000 members, one twice": many_members_one_twice,
    "screenshots inflating to the limit": inflating_screenshots,
    "1 GB of named screenshots, deflated": deflated_screenshots,
}


def verify_in_child(path: Path) -> tuple[float, float, str]:
    """Verify's own seconds, the process's peak RSS in MB, and the outcome, in a fresh process."""
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over an exec, so a child of
    # this (large) process would report this process's size.
    script = CHILD + (
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True
    ).stdout.splitlines()
    report = json.loads(out[0])
    return report["seconds"], int(out[1]) / 1024, report["outcome"]


def hash_seconds(path: Path) -> float:
    began = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(4 * MB):
            digest.update(block)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--segments", type=int, default=4500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        valid = folder / "valid.zip"
        valid_month(valid, args.segments)
        reference = statistics.median(verify_in_child(valid)[1] for _ in range(args.rounds))
        print(f"valid month ({valid.stat().st_size / MB:.0f} MB): peak {reference:.0f} MB")
        print(
            f"\n{'bundle':32} {'on disk':>9} {'hash s':>7} {'verify s':>9} {'ratio':>6} "
            f"{'peak MB':>8} {'+MB':>5}  outcome"
        )
        for name, make in CASES.items():
            path = folder / "hostile.zip"
            make(path)
            hashing = statistics.median(hash_seconds(path) for _ in range(args.rounds))
            runs = [verify_in_child(path) for _ in range(args.rounds)]
            seconds = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            print(
                f"{name:32} {path.stat().st_size / MB:8.1f}M {hashing:7.3f} {seconds:9.3f} "
                f"{seconds / hashing:6.2f} {peak:8.0f} {peak - reference:+5.0f}  {runs[0][2]}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
