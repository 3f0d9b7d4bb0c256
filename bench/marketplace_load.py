"""Benchmark: many devices uploading to the reference marketplace at once, driven by locust.

    .venv/bin/python bench/marketplace_load.py [--devices 100,500,1000] [--pace 60]
        [--spread 0.5] [--seconds 60] [--flat-seconds 30]
        [--setups sqlite:1,postgres:1,postgres:2,postgres:4] [--shot-kb 40]

Each simulated device is a locust user with an accepted contract and an enrolled device key
(seeded before the server starts, enrolled through the API, all before the timing). Every
``--pace`` seconds (ten minutes of the device's time, compressed: 60 s is ten times a real
fleet's rate) it uploads its next segment record (POST /v1/records, one record, signed and
chained as the tracker does) and then that segment's screenshot (PUT
/v1/screenshots/{sha256}). Segments end together on every device (they align to UTC), and the
app spreads its upload at random over the first half of the next segment
(sync/autosign.py), so each device's first upload comes at a random moment in the first
``--spread`` of a pace: the peak rate is the average divided by the spread. A setup names the engine and the number of server processes:
one ``main.py serve --workers N`` on 127.0.0.1 (the kernel hands each connection to one of
its processes). ``sqlite:1`` is the embedded default, the baseline measured in the same run;
``postgres:1``, ``postgres:2`` and ``postgres:4`` run on a PostgreSQL the benchmark starts as
the tests do (Debian's postgresql package), a fresh database each run.

Each setup and size runs twice, on fresh data: paced for ``--seconds`` (latency at the offered
load: p50 and p99 of the record upload, errors) and flat out for ``--flat-seconds`` (no pause
between uploads: the accepted records/s the servers can take). After each run the server's chains are read back: every
device's records one chain, seq 0 to its last without a gap, no record held twice, exactly
the records locust saw accepted. Each row also says the CPU the load generator (this process)
and the server's processes used while it ran, in % of one core: on a small machine locust is
one of the loads, and a run it saturates measures locust as much as the server.

locust is a test-load tool, installed with ``pip install -e '.[bench]'``; it patches the
standard library for gevent when imported, so this benchmark runs in a process of its own.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import deque  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402  (a dependency of locust)
from gevent.pool import Pool  # noqa: E402
from locust import HttpUser, constant, constant_pacing, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey,
)

from bench.marketplace_api import NOW, first_open_slot  # noqa: E402
from bench.marketplace_ingest import Device, build_segments, genesis  # noqa: E402
from diary.times import SEGMENT, timestamp  # noqa: E402
from tests.marketplace.server import Api  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

#: Segments a device can upload in the week the server's clock leaves open.
SLOTS = int((NOW - first_open_slot(NOW)) / SEGMENT)
#: Records a second that the flat-out runs prepare for (more than any setup here accepts).
MAX_RATE = 3000


@dataclass(frozen=True)
class Setup:
    engine: str  # "sqlite" or "postgres"
    processes: int

    @property
    def name(self) -> str:
        return f"{self.engine}:{self.processes}"


def parse_setups(text: str) -> list[Setup]:
    setups = []
    for part in text.split(","):
        engine, _, count = part.partition(":")
        if engine not in ("sqlite", "postgres") or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"--setups: {part!r} is not ENGINE:PROCESSES (sqlite:1, postgres:2)")
        setups.append(Setup(engine, int(count)))
    return setups


class LazyShots:
    """Distinct screenshots of ``size`` bytes, kept as their hash and number only: the bytes
    (a random prefix and the number) are made again when uploaded, so that a long run does
    not hold every file in memory."""

    def __init__(self, size: int) -> None:
        self.prefix = random.Random(5).randbytes(size - 8)
        self._hashed = hashlib.sha256(self.prefix)
        self.made = 0

    def next(self) -> tuple[str, int]:
        number, self.made = self.made, self.made + 1
        digest = self._hashed.copy()
        digest.update(number.to_bytes(8, "big"))
        return digest.hexdigest(), number

    def data(self, number: int) -> bytes:
        return self.prefix + number.to_bytes(8, "big")


class Uploads:
    """Each device's next upload: its segment record and the segment's screenshot, in order."""

    def __init__(self, devices: list[Device], shots: LazyShots) -> None:
        self.devices = devices
        self.shots = shots
        self.next = {d.id: 0 for d in devices}
        self.free: deque[Device] = deque(devices)
        self.accepted = 0
        self.ran_out = 0
        #: Set when the run ends: a device still uploading finishes, and starts no other.
        self.stopping = False

    def take(self) -> Device:
        return self.free.popleft()

    def upload(self, device: Device) -> tuple[bytes, str, bytes] | None:
        at = self.next[device.id]
        if self.stopping:
            return None
        if at >= len(device.entries):
            self.ran_out += 1
            return None
        self.next[device.id] = at + 1
        sha = device.entries[at]["details"]["screenshots"][0]["sha256"]
        number = device.shot_numbers[at]  # type: ignore[attr-defined]
        return json.dumps({"records": [device.entries[at]]}).encode(), sha, self.shots.data(number)


@dataclass(frozen=True)
class Load:
    """What each device does: an upload every ``pace`` seconds (0: flat out), the first at a
    random moment in the first ``spread`` of a pace; for how long, with screenshots of what
    size."""

    pace: float
    spread: float
    seconds: float
    flat_seconds: float
    shot_kb: int


def make_user_class(
    uploads: Uploads, hosts: list[str], pace: float, spread: float
) -> type[HttpUser]:
    """A locust user that is one device, on one of ``hosts`` in turn."""
    turn = itertools.cycle(hosts)
    offsets = random.Random(17)

    class DeviceUser(HttpUser):
        host = hosts[0]
        wait_time = constant_pacing(pace) if pace > 0 else constant(0)

        def on_start(self) -> None:
            self.device = uploads.take()
            self.client.base_url = next(turn)
            self.headers = {"Authorization": f"Bearer {self.device.token}"}
            if pace:  # where in the pace this device's uploads fall
                gevent.sleep(offsets.uniform(0, pace * spread))

        @task
        def upload_segment(self) -> None:
            found = uploads.upload(self.device)
            if found is None:
                gevent.sleep(pace or 1)
                return
            body, sha, shot = found
            with self.client.post(
                "/v1/records",
                data=body,
                headers={**self.headers, "Content-Type": "application/json"},
                name="POST /v1/records",
                catch_response=True,
            ) as answer:
                if answer.status_code != 200 or answer.json()["accepted"] != 1:
                    answer.failure(f"{answer.status_code}: {answer.text[:300]}")
                    return
                uploads.accepted += 1
            self.client.put(
                f"/v1/screenshots/{sha}",
                data=shot,
                headers={**self.headers, "Content-Type": "image/jpeg"},
                name="PUT /v1/screenshots",
            )

    return DeviceUser


def make_devices(count: int) -> list[Device]:
    """``count`` devices (one freelancer each), each with its key record."""
    devices = [
        Device(f"load-{n}@example.com", Ed25519PrivateKey.generate(), 0) for n in range(count)
    ]
    for device in devices:
        genesis(device, first_open_slot(NOW) - timedelta(days=1))
    return devices


class NumberedShots:
    """What build_segments takes screenshots from: each one's hash, its number kept aside."""

    def __init__(self, shots: LazyShots) -> None:
        self.shots = shots
        self.numbers: list[int] = []

    def next(self) -> tuple[str, bytes | None]:
        sha, number = self.shots.next()
        self.numbers.append(number)
        return sha, None


def sign_segments(devices: list[Device], segments: int, shots: LazyShots) -> None:
    """Each device's next ``segments`` segment records, signed and chained after its key
    record, for its contract, each with a screenshot of its own."""
    rng = random.Random(11)
    for device in devices:
        device.segments = segments
        numbered = NumberedShots(shots)
        build_segments(device, first_open_slot(NOW), rng, numbered)  # type: ignore[arg-type]
        device.shot_numbers = numbered.numbers  # type: ignore[attr-defined]


def seed(folder: Path, database: str | None, devices: list[Device]) -> None:
    """An account, a session and an active contract for each device's freelancer, and one
    client, written through the server's own storage and auth code before it starts, as
    ``serve --demo`` seeds its accounts. One argon2 hash serves every account: hashing is slow
    on purpose, and 1,001 sign-ups and sign-ins through the API took longer than the runs."""
    from marketplace import auth
    from marketplace.clock import FileClock
    from marketplace.demo import add_active_contract
    from marketplace.models import Role
    from marketplace.service import open_marketplace
    from marketplace.storage.address import parse_database_address

    market = open_marketplace(
        folder / "data",
        FileClock(folder / "clock"),
        database=parse_database_address(database) if database else None,
    )
    try:
        now = market.now()
        shared = auth.hash_password("correct horse battery")
        with market.transaction() as tx:
            client = auth.register(tx, "client@example.com", shared, "client", Role.CLIENT, now)
            for device in devices:
                freelancer = auth.register(
                    tx, device.email, shared, device.email.split("@")[0], Role.FREELANCER, now
                )
                device.token = auth.start_session(tx, freelancer, now).token
                # The whole week: no segment is beyond the limit.
                contract = add_active_contract(tx, client.id, freelancer.id, "Web shop", 168, now)
                device.contract = contract.id
    finally:
        market.close()


def enroll(url: str, devices: list[Device]) -> None:
    """Each device enrolled through the API (its key record checked and receipted), 16 at a
    time."""
    pool = Pool(16)
    for device in devices:
        pool.spawn(
            Api(url, device.token).ok, "POST", "/v1/devices", 201, json={"genesis": device.genesis}
        )
    pool.join(raise_error=True)


@dataclass
class Process:
    """One ``main.py serve`` of a setup: its process and the address it said."""

    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    def started(self) -> bool:
        if self.process.poll() is not None:
            raise SystemExit(f"a server exited: {self.log.read_text(errors='replace')}")
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("Marketplace at "):
                self.url = line.split()[2]
                return True
        return False


@contextmanager
def servers(setup: Setup, folder: Path, database: str | None) -> Iterator[list[Process]]:
    """The setup's server: ``serve --workers N`` on one address (the kernel hands each
    connection to one of its processes), its clock Monday 11:50 UTC, when last week still
    takes records; on PostgreSQL, ``database``."""
    clock = folder / "clock"
    command = [sys.executable, str(ROOT / "main.py"), "serve", "--port", "0"]
    command += ["--data", str(folder / "data"), "--clock-file", str(clock)]
    command += ["--workers", str(setup.processes)]
    command += ["--database", database] if database else []
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
    server = Process(process, log)
    try:
        wait_until(server.started, timeout=60, what="the server to start")
        yield [server]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def chains_ok(
    setup: Setup, folder: Path, database: str | None, devices: list[Device], uploads: Uploads
) -> str:
    """What the server holds, read from its database: one gapless chain a device, no record
    twice; '' when so, else what is wrong."""
    query = (
        "SELECT device, COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq), COUNT(DISTINCT hash)"
        " FROM records GROUP BY device"
    )
    if setup.engine == "sqlite":
        db = sqlite3.connect(folder / "data" / "marketplace.sqlite3")
        rows = db.execute(query).fetchall()
        db.close()
    else:
        import psycopg

        with psycopg.connect(database or "") as connection:
            rows = connection.execute(query).fetchall()
    problems = []
    held = 0
    for device, count, seqs, low, high, hashes in rows:
        held += count
        if not count == seqs == hashes == high - low + 1 or low != 0:
            problems.append(f"{device[:12]}: {count} records, seq {low}..{high}, {hashes} hashes")
    # Each device's key record, and every segment record locust saw accepted.
    if held != len(devices) + uploads.accepted:
        problems.append(f"{held} records held, {len(devices) + uploads.accepted} accepted")
    return "; ".join(problems)


@dataclass
class Result:
    setup: str
    devices: int
    mode: str
    seconds: float
    accepted: int
    p50_ms: float
    p99_ms: float
    errors: int
    chains: str
    #: CPU used while the load ran, in % of one core: the load generator's, the servers'.
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    #: The errors locust saw, in its words, with how often.
    error_kinds: tuple[str, ...] = ()

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds


def run(
    setup: Setup,
    count: int,
    load: Load,
    database: Callable[[], str | None],
    database_pid: int | None,
) -> list[Result]:
    results = []
    for mode, wait, seconds in (
        ("paced", load.pace, load.seconds),
        ("flat out", 0.0, load.flat_seconds),
    ):
        # Enough records for the run: paced, one a pace; flat out, a share of MAX_RATE.
        wanted = seconds / wait * 1.2 + 5 if wait else MAX_RATE * seconds / count + 5
        devices = make_devices(count)
        shots = LazyShots(load.shot_kb * 1024)
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            url = database()
            (folder / "clock").write_text(timestamp(NOW) + "\n")
            seed(folder, url, devices)
            with servers(setup, folder, url) as running:
                try:
                    enroll(running[0].url, devices)
                except Exception:
                    print(running[0].log.read_text(errors="replace")[-3000:], file=sys.stderr)
                    raise
                sign_segments(devices, min(SLOTS, int(wanted)), shots)
                uploads = Uploads(devices, shots)
                # Stopping lets each device finish the upload under way, so that what locust
                # counts as accepted is what the server holds.
                env = Environment(
                    user_classes=[
                        make_user_class(uploads, [s.url for s in running], wait, load.spread)
                    ],
                    stop_timeout=120,
                )
                runner = env.create_local_runner()
                cpu = Cpu(running[0].process.pid, database_pid if url else None)
                runner.start(count, spawn_rate=count)  # all at once: devices wake together
                began = time.perf_counter()
                gevent.sleep(seconds)
                # The rate is of what the run's seconds accepted: the stop that follows waits
                # for each device's upload under way (and, paced, its pause).
                in_time = uploads.accepted
                uploads.stopping = True
                runner.stop()
                took = time.perf_counter() - began
                client_cpu, server_cpu, database_cpu = cpu.used(took)
                runner.quit()
                stats = env.stats.get("POST /v1/records", "POST")
                errors = env.stats.total.num_failures
                chains = chains_ok(setup, folder, url, devices, uploads)
                if errors:  # what the server said of them, before its folder goes
                    said = running[0].log.read_text(errors="replace")
                    # The first error whole: its message, its traceback, the error itself.
                    first = said[said.find("ERROR") :].split("\nERROR")[0].splitlines()
                    if len(first) > 63:
                        first = [*first[:3], "...", *first[-60:]]
                    print("\n".join(first), file=sys.stderr)
            if wait == 0 and uploads.ran_out:
                chains += f" (devices ran out of records {uploads.ran_out} times: raise MAX_RATE)"
            results.append(
                Result(
                    setup.name,
                    count,
                    mode,
                    seconds,
                    in_time,
                    stats.get_response_time_percentile(0.5) or 0.0,
                    stats.get_response_time_percentile(0.99) or 0.0,
                    errors,
                    chains,
                    client_cpu,
                    server_cpu,
                    database_cpu,
                    tuple(
                        f"{e.occurrences} x {e.method} {e.name}: {str(e.error)[:160]}"
                        for e in sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)
                    ),
                )
            )
            print(format_row(results[-1]), flush=True)
    return results


class Cpu:
    """CPU time used from now on, in % of one core: by this process (locust), by the server
    (the process ``server`` and its workers) and by the database (PostgreSQL's processes,
    ``database`` and its children; none for SQLite, which runs in the server's)."""

    def __init__(self, server: int, database: int | None) -> None:
        self.groups = [psutil.Process(), psutil.Process(server)]
        self.groups += [psutil.Process(database)] if database else []
        self.began = self._times()

    def _times(self) -> list[float]:
        totals = []
        for number, root in enumerate(self.groups):
            processes = [root] if number == 0 else [root, *root.children(recursive=True)]
            total = 0.0
            for process in processes:
                try:
                    times = process.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                total += times.user + times.system
            totals.append(total)
        return totals

    def used(self, seconds: float) -> tuple[float, float, float]:
        """% of one core over ``seconds``: locust's, the server's, the database's. (A worker's
        or a connection's CPU counts from the first reading, taken once they all run.)"""
        now = self._times()
        used = [
            100 * (after - before) / seconds for before, after in zip(self.began, now, strict=True)
        ]
        return used[0], used[1], used[2] if len(used) > 2 else 0.0


def format_row(result: Result) -> str:
    chains = "one chain each, no duplicate" if not result.chains else result.chains
    row = (
        f"{result.setup:12} {result.devices:>6} {result.mode:9} {result.per_second:10.0f} "
        f"{result.p50_ms:8.0f} {result.p99_ms:8.0f} {result.errors:7} "
        f"{result.client_cpu:6.0f}% {result.server_cpu:6.0f}% {result.database_cpu:6.0f}%  "
        f"{chains}"
    )
    return "\n".join([row, *(f"    {kind}" for kind in result.error_kinds[:3])])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", default="100,500,1000")
    parser.add_argument("--pace", type=float, default=60, help="seconds between a device's uploads")
    parser.add_argument(
        "--spread", type=float, default=0.5, help="the share of a pace its uploads come in"
    )
    parser.add_argument("--seconds", type=float, default=60, help="how long a paced run lasts")
    parser.add_argument("--flat-seconds", type=float, default=30, help="a flat-out run's")
    parser.add_argument("--setups", default="sqlite:1,postgres:1,postgres:2,postgres:4")
    parser.add_argument("--shot-kb", type=int, default=40)
    args = parser.parse_args()
    load = Load(args.pace, args.spread, args.seconds, args.flat_seconds, args.shot_kb)
    setups = parse_setups(args.setups)
    sizes = [int(n) for n in args.devices.split(",")]
    print(
        f"{'setup':12} {'devices':>6} {'mode':9} {'records/s':>10} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>7} {'locust':>7} {'server':>7} {'db':>7}  chains"
    )
    failed = False
    with ExitStack() as stack:
        postgres = None
        if any(s.engine == "postgres" for s in setups):
            from tests.marketplace.postgres import postgres_running

            postgres = stack.enter_context(postgres_running(durable=True))
        for size in sizes:
            for setup in setups:
                fresh: Callable[[], str | None] = (
                    postgres.create_database
                    if postgres is not None and setup.engine == "postgres"
                    else lambda: None
                )
                for result in run(
                    setup,
                    size,
                    load,
                    fresh,
                    postgres.process.pid if postgres and postgres.process else None,
                ):
                    failed |= bool(result.errors or result.chains)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
