"""Benchmark: uploading signed records and screenshots to the reference marketplace.

    .venv/bin/python bench/marketplace_ingest.py [--quick] [--records 10000] [--screenshots 1000]
        [--shot-kb 100] [--batch 100] [--threads 4] [--rounds 1] [--floor-rounds 3]

Starts the real server (``main.py serve``) as a subprocess on 127.0.0.1 with a temporary data
dir and its clock read from a file, registers the accounts, offers and accepts the contracts
and enrolls the devices. Then it times, with 4 threads (4 devices uploading at once), first
the upload of every segment record through POST /v1/records in batches, then that of the
screenshots through PUT /v1/screenshots/{sha256}. Every answer is checked after the timing:
each record receipted, none refused, each receipt signed by the marketplace's key and naming
its record, each screenshot stored.

The records are built with the protocol's builders and signed with Ed25519 keys made here (the
tracker's engine would take far longer to produce them): each segment fills a 10-minute slot,
with 10 active minutes of counts and one screenshot's hash in its details, for an accepted
marketplace contract, and is signed a few seconds after it ended. A freelancer's segments may
not share time, even across devices, and a week's records are refused once the week locks
(12:00 UTC the Monday after it): at the server's time (Monday 11:50 UTC) one freelancer can
upload at most the 1,079 slots since last Monday 00:00. So the records are spread over as
many freelancers, one device each, as that takes, rounded up to a multiple of the threads:
12 devices of 833 or 834 segments for 10,000 records, each thread uploading its 3 devices one
after the other. Every tenth segment's screenshot is uploaded (random bytes, named by their
SHA-256).

Next to it, in this process, the floor: for each record its canonical bytes, an Ed25519
verify and one insert into a table like the server's records table (SQLite in WAL, the
server's pragmas), one transaction per batch as the server commits; measured once before the
uploads and twice after them (the median is used). Targets (docs/performance.md): at least
1,000 records/s, and the upload of the records within 3 times the floor.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from bench.marketplace_api import (  # noqa: E402
    NOW,
    accepted_contract,
    batch_bodies,
    check_batch,
    first_open_slot,
    post_records,
    put_screenshots,
)
from diary.build import header, key_fields, segment_details, segment_fields  # noqa: E402
from diary.canonical import Json, canonical, key_id, sha256_hex  # noqa: E402
from diary.receipts import MarketplaceKey  # noqa: E402
from diary.records import MinuteActivity, RecordType, ScreenshotEntry, SegmentKind  # noqa: E402
from diary.times import SEGMENT  # noqa: E402
from tests.marketplace.server import Api, running  # noqa: E402

MIB = 1 << 20
MEMOS = ("Checkout page", "Payment form validation", "Order history API", "Fix flaky tests")
#: The server's records table, as marketplace/storage/schema.py makes it (without the
#: reference to devices, which the floor does not fill).
FLOOR_TABLE = """
CREATE TABLE records (
    device TEXT NOT NULL, seq INTEGER NOT NULL,
    hash TEXT NOT NULL UNIQUE, type TEXT NOT NULL, contract TEXT, segment TEXT,
    signed_at TEXT NOT NULL, key TEXT NOT NULL, record BLOB NOT NULL,
    signature BLOB NOT NULL, details BLOB, received_at INTEGER NOT NULL,
    receipt BLOB NOT NULL, receipt_signature BLOB NOT NULL,
    PRIMARY KEY (device, seq));
CREATE INDEX records_segment ON records(segment);
"""


@dataclass
class Device:
    """One freelancer's device: its key, its chain, and what it uploads."""

    email: str
    private: Ed25519PrivateKey
    segments: int
    public: bytes = b""
    genesis: Json = field(default_factory=dict)
    #: The segment records (seq 1 on), as upload lines.
    entries: list[Json] = field(default_factory=list)
    #: The upload bodies, one a batch, encoded before timing.
    bodies: list[bytes] = field(default_factory=list)
    #: (sha256, bytes) of the screenshots this device uploads.
    shots: list[tuple[str, bytes]] = field(default_factory=list)
    token: str = ""
    contract: str = ""

    def __post_init__(self) -> None:
        self.public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def id(self) -> str:
        return key_id(self.public)

    def signed(self, record: Json, details: Json | None = None) -> Json:
        line: Json = {"record": record, "signature": self.private.sign(canonical(record)).hex()}
        if details is not None:
            line["details"] = details
        return line


class Screenshots:
    """Distinct screenshots of ``size`` bytes: one random prefix, hashed once, and 8 bytes of
    a running number; every ``every``-th is kept to be uploaded, ``limit`` at most."""

    def __init__(self, size: int, every: int, limit: int) -> None:
        self.prefix = os.urandom(size - 8)
        self._hashed = hashlib.sha256(self.prefix)
        self.every, self.limit = every, limit
        self.made = 0

    def next(self) -> tuple[str, bytes | None]:
        number = self.made
        self.made += 1
        tail = number.to_bytes(8, "big")
        digest = self._hashed.copy()
        digest.update(tail)
        upload = number % self.every == 0 and number // self.every < self.limit
        return digest.hexdigest(), self.prefix + tail if upload else None


def genesis(device: Device, at: datetime) -> None:
    kid = device.id
    record = header(
        RecordType.KEY, device=kid, key=kid, seq=0, prev=None, signed_at=at, contract=None
    )
    record.update(key_fields(device.public))
    device.genesis = device.signed(record)


def build_segments(device: Device, first: datetime, rng: random.Random, shots: Screenshots) -> None:
    """The device's segment records, one a slot from ``first`` on, after its genesis."""
    kid = device.id
    prev = sha256_hex(canonical(device.genesis["record"]))
    for seq in range(1, device.segments + 1):
        start = first + (seq - 1) * SEGMENT
        end = start + SEGMENT
        minutes = [
            MinuteActivity(
                start + timedelta(minutes=m),
                keys=rng.randrange(0, 120),
                clicks=rng.randrange(0, 20),
                scrolls=rng.randrange(0, 10),
                moves=rng.randrange(1, 300),
            )
            for m in range(10)
        ]
        sha, data = shots.next()
        if data is not None:
            device.shots.append((sha, data))
        taken = ScreenshotEntry(start + timedelta(seconds=rng.randrange(600)), sha, None, False)
        details = segment_details(MEMOS[seq % len(MEMOS)], minutes, [taken], "segment ended")
        record = header(
            RecordType.SEGMENT,
            device=kid,
            key=kid,
            seq=seq,
            prev=prev,
            signed_at=end + timedelta(seconds=rng.randrange(1, 4)),
            contract=device.contract,
        )
        record.update(
            segment_fields(
                f"{rng.getrandbits(128):032x}",
                SegmentKind.TRACKED,
                start,
                end,
                sha256_hex(canonical(details)),
            )
        )
        device.entries.append(device.signed(record, details))
        prev = sha256_hex(canonical(record))


def make_devices(records: int, threads: int) -> list[Device]:
    """As many devices (one freelancer each) as ``records`` segments need without two of a
    freelancer sharing time or one falling in a locked week, rounded up to ``threads``."""
    per_freelancer = int((NOW - first_open_slot(NOW)) / SEGMENT)
    count = -(-records // per_freelancer)
    count = -(-count // threads) * threads
    return [
        Device(
            f"freelancer-{n}@example.com",
            Ed25519PrivateKey.generate(),
            records // count + (1 if n < records % count else 0),
        )
        for n in range(count)
    ]


def set_up(api: Api, devices: list[Device]) -> None:
    """Accounts, an accepted contract for each freelancer, and each device enrolled."""
    client = api.sign_up("client@example.com", "client")
    for device in devices:
        freelancer = api.sign_up(device.email, "freelancer")
        assert freelancer.token is not None
        device.token = freelancer.token
        device.contract = accepted_contract(client, freelancer, device.email)
        genesis(device, first_open_slot(NOW) - timedelta(days=1))
        freelancer.ok("POST", "/v1/devices", 201, json={"genesis": device.genesis})


def prepare(devices: list[Device], batch: int, shots: Screenshots) -> None:
    rng = random.Random(7)
    first = first_open_slot(NOW)
    for device in devices:
        build_segments(device, first, rng, shots)
        device.bodies = batch_bodies(device.entries, batch)


@dataclass
class Answer:
    device: Device
    first: int
    status: int
    body: bytes


def run_threads(threads: int, work: Callable[[int], None]) -> float:
    """Run ``work(thread)`` on ``threads`` threads started together; the wall time."""
    start = threading.Barrier(threads + 1)

    def body(number: int) -> None:
        start.wait()
        work(number)

    running_threads = [threading.Thread(target=body, args=(n,)) for n in range(threads)]
    for thread in running_threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in running_threads:
        thread.join()
    return time.perf_counter() - began


def upload_records(
    url: str, devices: list[Device], threads: int, batch: int
) -> tuple[float, list[Answer]]:
    answers: list[list[Answer]] = [[] for _ in range(threads)]

    def work(number: int) -> None:
        http = requests.Session()
        for device in devices[number::threads]:
            got = post_records(http, url, device.token, device.bodies)
            answers[number] += [
                Answer(device, index * batch, status, body)
                for index, (status, body) in enumerate(got)
            ]

    seconds = run_threads(threads, work)
    return seconds, [a for found in answers for a in found]


def upload_screenshots(url: str, devices: list[Device], threads: int) -> tuple[float, list[int]]:
    statuses: list[list[int]] = [[] for _ in range(threads)]

    def work(number: int) -> None:
        http = requests.Session()
        for device in devices[number::threads]:
            statuses[number] += put_screenshots(http, url, device.token, device.shots)

    seconds = run_threads(threads, work)
    return seconds, [s for found in statuses for s in found]


def check_answers(answers: list[Answer], key: MarketplaceKey, batch: int) -> int:
    """Every record accepted and receipted by ``key``; the number of receipts."""
    return sum(
        check_batch(a.status, a.body, a.device.entries[a.first : a.first + batch], key)
        for a in answers
    )


def floor(devices: list[Device], batch: int, folder: Path) -> float:
    """Canonical bytes, Ed25519 verify and one insert a record, one transaction a batch."""
    path = folder / f"floor-{time.monotonic_ns()}.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=10000")
    db.executescript(FLOOR_TABLE)
    # What the row holds besides the record: its details and a receipt of a receipt's size.
    details = {id(e): canonical(e["details"]) for d in devices for e in d.entries}
    receipt, receipt_signature = b"r" * 330, b"s" * 64
    received = int(NOW.timestamp())
    keys = {d.id: Ed25519PublicKey.from_public_bytes(d.public) for d in devices}
    insert = "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    began = time.perf_counter()
    for device in devices:
        public = keys[device.id]
        for at in range(0, len(device.entries), batch):
            db.execute("BEGIN IMMEDIATE")
            for entry in device.entries[at : at + batch]:
                record = entry["record"]
                data = canonical(record, plain=True)  # as the server does with what it parsed
                signature = bytes.fromhex(entry["signature"])
                public.verify(signature, data)
                db.execute(
                    insert,
                    (
                        record["device"],
                        record["seq"],
                        sha256_hex(data),
                        record["type"],
                        record["contract"],
                        record["segment"],
                        record["signed_at"],
                        record["key"],
                        data,
                        signature,
                        details[id(entry)],
                        received,
                        receipt,
                        receipt_signature,
                    ),
                )
            db.execute("COMMIT")
    seconds = time.perf_counter() - began
    db.close()
    return seconds


@dataclass
class Round:
    records: int
    screenshots: int
    upload: float
    shots: float
    floors: list[float]


def one_round(args: argparse.Namespace, folder: Path) -> Round:
    """A fresh server and fresh devices; the floor once before the uploads and the rest after."""
    devices = make_devices(args.records, args.threads)
    every = max(1, args.records // max(1, args.screenshots))
    shots = Screenshots(args.shot_kb * 1024, every, args.screenshots)
    with running(folder / "marketplace", NOW) as server:
        began = time.perf_counter()
        api = server.api()
        set_up(api, devices)
        info = api.ok("GET", "/.well-known/workdiary-marketplace")
        key = MarketplaceKey.from_json(info["receipt_key"])
        prepare(devices, args.batch, shots)
        records = sum(d.segments for d in devices)
        pictures = sum(len(d.shots) for d in devices)
        print(
            f"{len(devices)} freelancers, one device each, {records} segment records in batches "
            f"of {args.batch}, {pictures} screenshots of {args.shot_kb} KiB; set up and built "
            f"in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        floors = [floor(devices, args.batch, folder)]
        upload, answers = upload_records(server.url, devices, args.threads, args.batch)
        shot_seconds, statuses = upload_screenshots(server.url, devices, args.threads)
    receipts = check_answers(answers, key, args.batch)
    assert receipts == records, (receipts, records)
    assert statuses == [201] * pictures, sorted(set(statuses))
    floors += [floor(devices, args.batch, folder) for _ in range(args.floor_rounds - 1)]
    print(
        f"every record receipted, none refused, {pictures} screenshots stored: records "
        f"{upload:.2f} s, screenshots {shot_seconds:.2f} s, floor "
        f"{' / '.join(f'{s:.2f}' for s in floors)} s",
        flush=True,
    )
    return Round(records, pictures, upload, shot_seconds, floors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 records, 100 screenshots")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--screenshots", type=int, default=1_000)
    parser.add_argument("--shot-kb", type=int, default=100)
    parser.add_argument("--batch", type=int, default=500, help="records a request (at most 500)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="each with a fresh server")
    parser.add_argument("--floor-rounds", type=int, default=3, help="one before the uploads")
    args = parser.parse_args()
    if args.quick:
        args.records, args.screenshots = 1_000, 100
    load = os.getloadavg()[0]
    rounds = []
    for number in range(args.rounds):
        with tempfile.TemporaryDirectory() as temp:
            print(f"round {number + 1}:", end=" ", flush=True)
            rounds.append(one_round(args, Path(temp)))
    records, pictures = rounds[0].records, rounds[0].screenshots
    upload = statistics.median(r.upload for r in rounds)
    shots = statistics.median(r.shots for r in rounds)
    base = statistics.median(f for r in rounds for f in r.floors)
    ratio = upload / base
    rate = records / upload
    mib = pictures * args.shot_kb * 1024 / MIB
    print(
        f"\n{records} records and {pictures} screenshots, {args.threads} threads, batches of "
        f"{args.batch}; medians of {args.rounds} round(s), floor of {len(rounds) * args.floor_rounds}"
    )
    print(f"{'':38} {'seconds':>8} {'records/s':>10} {'ratio':>6}")
    print(f"{'floor: canonical + verify + insert':38} {base:8.2f} {records / base:10.0f} {1:6.2f}")
    print(f"{'upload the records':38} {upload:8.2f} {rate:10.0f} {ratio:6.2f}")
    print(
        f"{'upload the screenshots':38} {shots:8.2f} {pictures / shots:10.0f} "
        f"screenshots/s, {mib / shots:.1f} MiB/s"
    )
    print(f"{'both':38} {upload + shots:8.2f}")
    print(f"load average (1 min) before {load:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"target: at least 1,000 records/s: {'met' if rate >= 1000 else 'NOT met'}")
    print(f"target: within 3 times the floor: {'met' if ratio <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
