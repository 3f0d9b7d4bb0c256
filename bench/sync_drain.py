"""Benchmark: a device draining its outbox to the reference marketplace with the real client.

    .venv/bin/python bench/sync_drain.py [--rounds 3] [--records 2000] [--screenshots 200]

A device records a week with the real engine, store, screenshot taker and signer on a fake clock
(as tests/marketplace/device.py does; keys in memory, no keyring), for a contract it accepted on
the real server (``main.py serve`` on 127.0.0.1 with a temporary data dir, its clock read from a
file), and signs in there: 2,000 segment records and the genesis wait, and 200 screenshot files.

Each round times two drains, each to a fresh server (a copy of the data dir holding the accounts
and the accepted contract, started anew), the first of them in turn:

- the client: ``sync_now`` (what ``main.py sync`` runs, with the token in a MemoryTokens), round
  after round until the outbox is empty (nothing waits in ``sync_status``; the check between
  rounds is not timed), from the device's database and screenshot files as they are on disk;
- the floor, the server's own ingest: the same genesis enrolled, the same upload lines posted
  in batches of the client's size, and the same screenshot files put, encoded and read before
  the timing, with one ``requests`` session as the client has.

Every receipt is checked after the timing (signed by the marketplace's key, naming its record).
Next to each time, this process's own CPU time: the client's work, or the floor's requests (the
server's is its own process's). The target (docs/performance.md): the client within 1.25 times
the floor, as the median of each round's ratio.

The server takes a freelancer's records of a week until 12:00 UTC the Monday after it (it is
Monday 11:50 here), and no two of a freelancer's segments may share time, so a week holds at
most 2,016 segments of 5 minutes: the freelancer tracks around the clock, stopping and starting
again with the other of two memos every 5 minutes (two segments a 10-minute slot). The screen
shows 100 KiB of noise (as a JPEG) that changes every tenth segment: the same screen gives the
same file, so 2,000 screenshots are 200 files to upload.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.marketplace_api import (  # noqa: E402
    NOW,
    TIMEOUT,
    accepted_contract,
    batch_bodies,
    check_batch,
    first_open_slot,
    post_records,
    put_screenshots,
)
from diary.canonical import Json, sha256_hex  # noqa: E402
from diary.receipts import MarketplaceKey, read_receipt, signed_by  # noqa: E402
from sync.auto import sync_now  # noqa: E402
from sync.keys import MemoryVault  # noqa: E402
from sync.ledger import Ledger, SignedRecord  # noqa: E402
from sync.marketplace_client import MarketplaceClient  # noqa: E402
from sync.outbox import MarketplaceLink, Outbox  # noqa: E402
from sync.signer import Signer  # noqa: E402
from sync.status import sync_status  # noqa: E402
from sync.tokens import MemoryTokens  # noqa: E402
from sync.uploader import BATCH, upload_line, waiting_screenshots  # noqa: E402
from tests.marketplace.server import running  # noqa: E402
from tests.sync.seeding import track  # noqa: E402
from tracker.activity import ActivityCounter  # noqa: E402
from tracker.clock import FakeClock  # noqa: E402
from tracker.engine import Engine  # noqa: E402
from tracker.platform import Frame  # noqa: E402
from tracker.screenshots import ScreenshotTaker  # noqa: E402
from tracker.settings import Settings  # noqa: E402
from tracker.store import DATABASE_FILE, Store  # noqa: E402

PASSWORD = "correct horse battery"
FREELANCER = "freelancer@example.com"
#: A segment's length: two a 10-minute slot.
LENGTH = timedelta(minutes=5)
#: The noise screen's size: about 100 KiB as the engine's JPEG.
SCREEN = (540, 340)
MIB = 1 << 20


class NoiseScreen:
    """A screen of random pixels that changes when told to (``scene``); the same scene is the
    same frame, so the same screenshot file."""

    def __init__(self) -> None:
        self.scene = 0
        self._shown: tuple[int, Frame] | None = None

    def grab(self, monitors: str) -> Frame:
        if self._shown is None or self._shown[0] != self.scene:
            width, height = SCREEN
            pixels = random.Random(self.scene).randbytes(width * height * 4)
            self._shown = (self.scene, Frame(width, height, pixels, 1))
        return self._shown[1]

    def close(self) -> None:
        pass


def write_plainly(path: Path, data: bytes) -> None:
    """The screenshot writer without its fsync: the files' way to disk is not what is measured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@dataclass
class Marketplace:
    """The template server's data dir (accounts, the accepted contract, the receipt key), and
    what the device learnt when it signed in."""

    data: Path
    contract: str
    email: str
    account_id: str
    name: str
    key: MarketplaceKey
    token: str


def set_up_marketplace(folder: Path) -> Marketplace:
    """A client and a freelancer with an accepted contract, the freelancer signed in as the
    device's ``login`` does; the server stopped, its data dir kept to be copied."""
    data = folder / "template"
    with running(data, NOW) as server:
        api = server.api()
        client = api.sign_up("client@example.com", "client", PASSWORD)
        freelancer = api.sign_up(FREELANCER, "freelancer", PASSWORD)
        contract = accepted_contract(client, freelancer, FREELANCER)
        device = MarketplaceClient(server.url)
        card = device.card()
        session = device.login(FREELANCER, PASSWORD)
        assert device.token is not None
        account = session["account"]
        return Marketplace(
            data, contract, account["email"], account["id"], card.name, card.key, device.token
        )


def record_device(root: Path, contract: str, records: int, screenshots: int) -> float:
    """``records`` segments of 5 minutes, one after the other from the first open week's
    start, recorded with the real engine and signed; the seconds it took."""
    began = time.perf_counter()
    start = first_open_slot(NOW)
    clock = FakeClock(start - timedelta(hours=1))
    store = Store(root / DATABASE_FILE, clock)
    screen = NoiseScreen()
    counter = ActivityCounter()
    engine = Engine(
        clock,
        store,
        Settings(idle_policy="keep"),
        counter,
        screenshots=ScreenshotTaker(root, screen, write_plainly),
        rng=random.Random(3),
    )
    signer = Signer(store, Ledger(store), MemoryVault(), clock)
    signer.signing_key()  # the genesis, signed before any segment
    local = store.add_contract("Web shop", "Client", 4500, 0, True).id
    store.link_marketplace(local, contract)
    every = max(1, records // max(1, screenshots))
    for number in range(records):
        screen.scene = number // every
        begin = start + number * LENGTH
        memo = ("Checkout page", "Order history API")[number % 2]
        track(engine, clock, counter, local, memo, begin, begin + LENGTH)
    report = signer.sign_pending()
    assert report.signed == records and report.waiting == 0, report
    store.close()
    return time.perf_counter() - began


@dataclass
class Floor:
    """What the floor sends, encoded and read before the timing."""

    genesis: bytes
    lines: list[Json]
    bodies: list[bytes]
    shots: list[tuple[str, bytes]]


def floor_inputs(device: Path) -> Floor:
    """The device's upload lines, made by the client's own ``upload_line``, and its files."""
    store = Store(device / DATABASE_FILE, FakeClock(NOW))
    ledger, outbox = Ledger(store), Outbox(store)
    (device_id,) = ledger.devices()
    chain: list[SignedRecord] = ledger.chain(device_id)
    lines = [upload_line(signed) for signed in chain]
    shots = [
        (sha, path.read_bytes())
        for sha, path in waiting_screenshots(store, ledger, outbox, device, receipted=False)
    ]
    store.close()
    genesis = json.dumps({"genesis": lines[0]}).encode()
    return Floor(genesis, lines[1:], batch_bodies(lines[1:], BATCH), shots)


@dataclass
class Timing:
    records: float
    screenshots: float
    #: The benchmark process's own CPU seconds meanwhile (the server's are its own).
    cpu: float

    @property
    def total(self) -> float:
        return self.records + self.screenshots


def run_floor(market: Marketplace, inputs: Floor, folder: Path) -> Timing:
    """The same records and files straight to a fresh server; then every receipt checked."""
    data = folder / "floor"
    shutil.copytree(market.data, data)
    with running(data, NOW) as server:
        http = requests.Session()
        headers = {"Authorization": f"Bearer {market.token}", "Content-Type": "application/json"}
        cpu, began = time.process_time(), time.perf_counter()
        enrolled = http.post(
            f"{server.url}/v1/devices", data=inputs.genesis, headers=headers, timeout=TIMEOUT
        )
        answers = post_records(http, server.url, market.token, inputs.bodies)
        between = time.perf_counter()
        statuses = put_screenshots(http, server.url, market.token, inputs.shots)
        ended = time.perf_counter()
        cpu = time.process_time() - cpu
    assert enrolled.status_code == 201, enrolled.text[:2000]
    receipt = read_receipt(enrolled.json()["receipt"])
    assert signed_by(receipt, market.key)
    for index, (status, body) in enumerate(answers):
        check_batch(status, body, inputs.lines[index * BATCH : (index + 1) * BATCH], market.key)
    assert statuses == [201] * len(inputs.shots), sorted(set(statuses))
    return Timing(between - began, ended - between, cpu)


@dataclass
class Drain:
    seconds: float
    #: The client's own CPU seconds (the server's are its own).
    cpu: float
    rounds: int
    receipted: int
    screenshots: int


def run_client(market: Marketplace, original: Path, folder: Path) -> Drain:
    """``sync_now`` until the outbox is empty, from a copy of the device; then its receipts
    checked against its chain."""
    data = folder / "client-marketplace"
    shutil.copytree(market.data, data)
    device = folder / "device"
    shutil.copytree(original, device)
    with running(data, NOW) as server:
        store = Store(device / DATABASE_FILE, FakeClock(NOW))
        link = MarketplaceLink(
            server.url, market.email, market.account_id, market.name, market.key, NOW
        )
        Outbox(store).set_link(link)
        tokens = MemoryTokens()
        tokens.save(market.account_id, market.token)
        drain = Drain(0.0, 0.0, 0, 0, 0)
        while True:
            cpu, began = time.process_time(), time.perf_counter()
            report = sync_now(store, link, device, NOW, tokens)
            drain.seconds += time.perf_counter() - began
            drain.cpu += time.process_time() - cpu
            drain.rounds += 1
            drain.receipted += report.receipted
            drain.screenshots += report.screenshots
            assert report.refused_code is None, report
            status = sync_status(store, device, NOW)
            if status["waiting_records"] == 0 and status["waiting_screenshots"] == 0:
                break
            assert drain.rounds < 5, status
        held = sum(1 for _ in (data / "screenshots").rglob("*.jpg"))
    ledger, outbox = Ledger(store), Outbox(store)
    (device_id,) = ledger.devices()
    chain = ledger.chain(device_id)
    receipts = outbox.receipts(device_id)
    assert [r.at[1] for r in receipts] == [r.seq for r in chain]
    for receipt, signed in zip(receipts, chain, strict=True):
        assert signed_by(receipt, market.key), "a receipt not signed by the marketplace's key"
        assert receipt.record == sha256_hex(signed.record) == signed.hash
    assert held == drain.screenshots, (held, drain.screenshots)
    store.close()
    return drain


@dataclass
class Round:
    floor: Timing
    client: Drain


def one_round(number: int, market: Marketplace, device: Path, inputs: Floor) -> Round:
    """The floor and the client, each on a fresh server, the first of them in turn."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        if number % 2 == 0:
            floor = run_floor(market, inputs, folder)
            client = run_client(market, device, folder)
        else:
            client = run_client(market, device, folder)
            floor = run_floor(market, inputs, folder)
    print(
        f"round {number + 1}: client {client.seconds:.2f} s, {client.cpu:.2f} s CPU "
        f"({client.rounds} round(s) of sync, {client.receipted} receipts, {client.screenshots} "
        f"screenshots); floor {floor.total:.2f} s, {floor.cpu:.2f} s CPU (records "
        f"{floor.records:.2f} s, screenshots {floor.screenshots:.2f} s); ratio "
        f"{client.seconds / floor.total:.2f}",
        flush=True,
    )
    return Round(floor, client)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="each with fresh servers")
    parser.add_argument("--records", type=int, default=2000, help="segments (at most 2,016)")
    parser.add_argument("--screenshots", type=int, default=200, help="distinct files")
    args = parser.parse_args()
    assert 0 < args.records <= 2016, "a week holds 2,016 segments of 5 minutes"
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        market = set_up_marketplace(folder)
        device = folder / "device"
        device.mkdir()
        recorded = record_device(device, market.contract, args.records, args.screenshots)
        inputs = floor_inputs(device)
        size = sum(len(data) for _, data in inputs.shots)
        print(
            f"{len(inputs.lines)} segment records and the genesis, {len(inputs.shots)} "
            f"screenshot files of {size / len(inputs.shots) / 1024:.0f} KiB on average, "
            f"recorded and signed in {recorded:.1f} s; batches of {BATCH}",
            flush=True,
        )
        rounds = [one_round(n, market, device, inputs) for n in range(args.rounds)]
    report(rounds, len(inputs.lines), len(inputs.shots), size, load)


def report(rounds: list[Round], records: int, shots: int, size: int, load: float) -> None:
    client = statistics.median(r.client.seconds for r in rounds)
    floor = statistics.median(r.floor.total for r in rounds)
    floor_records = statistics.median(r.floor.records for r in rounds)
    floor_shots = statistics.median(r.floor.screenshots for r in rounds)
    ratio = statistics.median(r.client.seconds / r.floor.total for r in rounds)
    floor_cpu = statistics.median(r.floor.cpu for r in rounds)
    client_cpu = statistics.median(r.client.cpu for r in rounds)
    print(f"\nmedians of {len(rounds)} round(s); {records} records, {shots} screenshots")
    print(f"{'':44} {'seconds':>8} {'records/s':>10} {'ratio':>6} {'own CPU':>8}")
    print(
        f"{'floor: records posted straight (+ genesis)':44} {floor_records:8.2f} "
        f"{records / floor_records:10.0f}"
    )
    print(
        f"{'floor: screenshots put straight':44} {floor_shots:8.2f} {'':>10} {'':>6} {'':>8} "
        f"{shots / floor_shots:.0f} screenshots/s, {size / MIB / floor_shots:.1f} MiB/s"
    )
    print(
        f"{'floor: both (baseline)':44} {floor:8.2f} {records / floor:10.0f} {1:6.2f} "
        f"{floor_cpu:8.2f}"
    )
    print(
        f"{'client: sync_now until the outbox is empty':44} {client:8.2f} "
        f"{records / client:10.0f} {ratio:6.2f} {client_cpu:8.2f}"
    )
    print("(the ratio is the median of each round's client time over its floor)")
    print(f"load average (1 min) before {load:.2f}, after {os.getloadavg()[0]:.2f}")
    print(
        f"target: the client within 1.25 times the floor: {'met' if ratio <= 1.25 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
