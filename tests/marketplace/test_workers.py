"""`serve --workers N`: N processes on one address, on SQLite and on PostgreSQL. They share
everything through the storage (a session made by one worker is known to the others), a stop
stops them all, and a worker that dies takes the others down rather than leaving a server that
answers in part."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import START
from tests.marketplace.conftest import make_parties
from tests.marketplace.postgres import PostgresServer
from tests.marketplace.server import ROOT, Server
from tests.tracker.helpers import at
from tests.waiting import wait_until


def workers_of(server: Server) -> list[int]:
    """The worker processes the server forked (its children, as /proc lists them)."""
    assert server.process is not None
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_workers_share_one_address_and_everything_behind_it(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    extra = ["--workers", "3"]
    database = ""
    if engine == "postgres":
        postgres: PostgresServer = request.getfixturevalue("postgres")
        database = postgres.create_database()
        extra += ["--database", database]
    server = Server(tmp_path / "data", START, extra_args=extra)
    try:
        assert "in 3 processes" in server.output()
        wait_until(lambda: len(workers_of(server)) == 3, what="three workers")
        # Sign-ups, sessions, contracts and a week of uploads over many connections: each
        # request goes to whichever worker the kernel hands it to, and every one must know
        # what the others did.
        parties = make_parties(server, tmp_path, "workers")
        device = parties.device
        device.track(parties.local, "Checkout page", at(10, 10), at(11, 10))
        server.set_time(at(11, 30))
        receipts = parties.upload(device.entries(), batch=1)
        assert len(receipts) == len(device.chain()) - 1  # all but the key record, enrolled
        if database:
            # The workers share one server's connections (PostgreSQL allows 100 by default).
            with psycopg.connect(database) as db:
                (held,) = db.execute(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid()"
                ).fetchone() or (0,)
            assert held <= 3 * 7, held
        for _ in range(20):  # fresh connections: sessions are found by every worker
            assert server.api(parties.freelancer.token).ok("GET", "/v1/me")["role"] == "freelancer"
    finally:
        pids = workers_of(server) if server.process and server.process.poll() is None else []
        server.stop()
    assert all(not alive(pid) for pid in pids)


def test_a_worker_that_dies_stops_the_others(tmp_path: Path) -> None:
    clock = tmp_path / "clock"
    clock.write_text("2026-11-25T10:00:00Z\n")
    command = [sys.executable, str(ROOT / "main.py"), "serve", "--port", "0"]
    command += ["--data", str(tmp_path / "data"), "--clock-file", str(clock), "--workers", "2"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Marketplace at "), line
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        wait_until(lambda: len(children.read_text().split()) == 2, what="two workers")
        first, second = (int(pid) for pid in children.read_text().split())
        os.kill(first, signal.SIGKILL)
        code = process.wait(timeout=30)
        output = process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code != 0
    assert f"A worker (pid {first}) ended with -9: stopping the others." in output
    assert not alive(second)


def test_workers_must_be_a_sensible_count(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "serve", "--workers", "0", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2 and "--workers 0: give 1 to 64 processes." in result.stderr
