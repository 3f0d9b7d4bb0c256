"""Benchmark: signing throughput, and verifying a month of records with their screenshots.

Builds a diary of N closed segments (default 4,500: every 10-minute slot of a month), each with
10 minutes of counts and one screenshot file of realistic size, in a temporary data dir. Then:

- signs them all with the real Signer (ledger in SQLite), next to a baseline of bare Ed25519
  signatures over the same canonical bytes;
- exports them as one bundle and verifies it, next to a baseline that only reads the bundle
  file once and hashes it (the I/O and SHA-256 floor any verifier pays).

Keys live in a dict here: the keyring is not what is measured.

    .venv/bin/python bench/sign_verify.py [--segments 4500] [--shot-kb 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from diary.bundle import verify_bundle  # noqa: E402
from diary.records import MinuteActivity, SegmentKind  # noqa: E402
from sync.export import export_bundle  # noqa: E402
from sync.keys import DeviceKey, MemoryVault  # noqa: E402
from sync.ledger import Ledger  # noqa: E402
from sync.signer import Signer  # noqa: E402
from tracker.clock import FakeClock  # noqa: E402
from tracker.records import Screenshot, Segment  # noqa: E402
from tracker.store import DATABASE_FILE, Store  # noqa: E402

START = datetime(2026, 11, 1, tzinfo=UTC)


def screenshot_bytes(kb: int) -> bytes:
    """A JPEG of about ``kb`` KiB: a 1280x720 picture with enough detail not to shrink."""
    rng = random.Random(1)
    image = Image.new("RGB", (1280, 720), (240, 240, 240))
    pixels = image.load()
    assert pixels is not None
    for y in range(0, 720, 2):
        for x in range(0, 1280, 2):
            pixels[x, y] = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    for quality in range(95, 5, -5):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        if buffer.tell() <= kb * 1024:
            return buffer.getvalue()
    return buffer.getvalue()


def build_diary(data_dir: Path, segments: int, shot: bytes) -> tuple[Store, FakeClock]:
    clock = FakeClock(START + timedelta(minutes=10 * segments + 5))
    store = Store(data_dir / DATABASE_FILE, clock)
    contract = store.add_contract("Website", "Acme", 4500, 0, False).id
    with store.atomic():
        for i in range(segments):
            start = START + timedelta(minutes=10 * i)
            segment_id = f"{i:032x}"
            store.open_segment(
                Segment(segment_id, contract, SegmentKind.TRACKED, start, None, "Work", start)
            )
            for m in range(10):
                store.add_minute(
                    segment_id,
                    MinuteActivity(start + timedelta(minutes=m), 40 + m, 5, 2, 60, 0),
                )
            # Distinct files: JPEG readers ignore bytes after the end-of-image marker.
            data = shot + i.to_bytes(4, "big")
            sha = hashlib.sha256(data).hexdigest()
            path = Path("screenshots") / sha[:2] / f"{sha}.jpg"
            (data_dir / path).parent.mkdir(parents=True, exist_ok=True)
            (data_dir / path).write_bytes(data)
            store.add_screenshot(
                Screenshot(
                    0,
                    segment_id,
                    start + timedelta(minutes=4),
                    sha,
                    str(path),
                    None,
                    1280,
                    720,
                    1,
                    len(data),
                    False,
                    None,
                )
            )
            store.close_segment(segment_id, start + timedelta(minutes=10), "segment ended")
    return store, clock


def bare_signatures(ledger: Ledger, key: DeviceKey) -> float:
    records = [r.record for r in ledger.chain(key.device_id)]
    began = time.perf_counter()
    for data in records:
        key.sign(data)
    return time.perf_counter() - began


def read_and_hash(bundle: Path) -> float:
    """The floor any verifier pays: read every byte of the bundle once and hash it."""
    began = time.perf_counter()
    digest = hashlib.sha256()
    with bundle.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=4500)
    parser.add_argument("--shot-kb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shot = screenshot_bytes(args.shot_kb)
    sign_times, bare_times, verify_times, floor_times = [], [], [], []
    with tempfile.TemporaryDirectory() as temp:
        for round_number in range(args.rounds):
            data_dir = Path(temp) / f"round{round_number}"
            data_dir.mkdir()
            store, clock = build_diary(data_dir, args.segments, shot)
            ledger = Ledger(store)
            signer = Signer(store, ledger, MemoryVault(), clock)
            key = signer.signing_key()
            began = time.perf_counter()
            report = signer.sign_pending()
            sign_times.append(time.perf_counter() - began)
            assert report.signed == args.segments, report
            bare_times.append(bare_signatures(ledger, key))
            bundle = data_dir / "month.zip"
            # The period is whole days: those the segments fill, and the rest of the last one.
            end = START + timedelta(days=-(-args.segments // 144))
            export_bundle(store, ledger, data_dir, START, None, bundle, clock.now(), "bench", end)
            store.close()
            floor_times.append(read_and_hash(bundle))
            began = time.perf_counter()
            verdict = verify_bundle(bundle)
            verify_times.append(time.perf_counter() - began)
            assert verdict.ok and verdict.screenshots == args.segments, verdict.failures[:3]
            size = bundle.stat().st_size / 2**20
            print(
                f"round {round_number + 1}: sign {sign_times[-1]:.2f} s (bare {bare_times[-1]:.2f} s), "
                f"verify {verify_times[-1]:.2f} s (read and hash {floor_times[-1]:.2f} s), "
                f"bundle {size:.0f} MiB",
                flush=True,
            )
    n = args.segments
    sign, bare = statistics.median(sign_times), statistics.median(bare_times)
    verify, floor = statistics.median(verify_times), statistics.median(floor_times)
    print(f"\n{n} segments, one {len(shot) // 1024} KiB screenshot each; medians of {args.rounds}")
    print(f"{'':28} {'seconds':>8} {'records/s':>10} {'ratio':>6}")
    print(f"{'bare Ed25519 signatures':28} {bare:8.2f} {n / bare:10.0f} {1:6.2f}")
    print(f"{'Signer.sign_pending':28} {sign:8.2f} {n / sign:10.0f} {sign / bare:6.2f}")
    print(f"{'read and hash the file':28} {floor:8.2f} {'':>10} {1:6.2f}")
    print(f"{'verify the bundle':28} {verify:8.2f} {n / verify:10.0f} {verify / floor:6.2f}")
    print(f"target: verify a month under 2 s: {'met' if verify < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
