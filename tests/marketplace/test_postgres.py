"""Two server processes on one PostgreSQL database, as several behind one address would run:
the same batches sent to both at once make one chain, with no fork and no record twice; two
devices of one freelancer never bill a minute twice; a week settled by both at once moves its
money once; failed sign-ins are counted by both; and a database that cannot be used is
explained without its password.

WORKDIARY_RACE_ROUNDS sets how many times one device's batch is sent to both servers at once
(100 by default; the issue's acceptance asks for 1,000)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
import requests

from diary.times import MINUTE
from marketplace.storage.schema import MIGRATIONS
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.device import RecordingDevice
from tests.marketplace.postgres import PostgresServer
from tests.marketplace.server import ROOT, Api, Server, running
from tests.tracker.helpers import at
from tests.waiting import wait_until
from tracker.edits import add_manual_time

ROUNDS = int(os.environ.get("WORKDIARY_RACE_ROUNDS", "100"))
OVERLAP_ROUNDS = 10
WEEK = "2026-W48"
MONDAY = at(0, 0, day=23)
#: The Wednesday after the week's release day: every transition of the week is due.
AFTER_RELEASE = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
T = TypeVar("T")


class Pair:
    """Two marketplaces on one database, sharing one receipt key (as processes behind one
    address would)."""

    def __init__(self, url: str, root: Path) -> None:
        self.url = url
        self.a = Server(root / "a", START, extra_args=["--database", url])
        (root / "b").mkdir(mode=0o700)
        shutil.copy2(self.a.data / "receipt-key.pem", root / "b" / "receipt-key.pem")
        self.b = Server(root / "b", START, extra_args=["--database", url])

    def set_time(self, now: datetime) -> None:
        self.a.set_time(now)
        self.b.set_time(now)

    def stop(self) -> None:
        self.a.stop()
        self.b.stop()

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url) as db:
            return db.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def pair(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    found = Pair(postgres.create_database(), tmp_path_factory.mktemp("pair"))
    yield found
    found.stop()


@pytest.fixture
def servers(pair: Pair) -> Pair:
    pair.set_time(START)
    return pair


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Each call on a thread of its own, all let go at the same moment."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def post(api: Api, lines: list[dict[str, Any]]) -> Callable[[], requests.Response]:
    return lambda: api.call("POST", "/v1/records", json={"records": lines})


def get(server: Server, api: Api, path: str) -> Callable[[], requests.Response]:
    """A GET as ``api``'s account, from ``server``."""
    return lambda: server.api(api.token).call("GET", path)


def manual_minute(device: RecordingDevice, contract: int, start: datetime) -> None:
    add_manual_time(device.store, contract, start, start + MINUTE, "Review", START)
    device.signer.sign_pending()


def test_one_devices_batches_sent_to_two_servers_at_once_make_one_chain(
    servers: Pair, tmp_path: Path
) -> None:
    parties = make_parties(servers.a, tmp_path, "race")
    device, token = parties.device, parties.freelancer.token
    apis = [servers.a.api(token), servers.b.api(token)]
    taken: Counter[str] = Counter()
    receipts: dict[str, set[str]] = {}
    began = time.monotonic()
    for n in range(ROUNDS):
        manual_minute(device, parties.local, MONDAY + n * MINUTE)
        # The new record, and the one before it (held already), as a device that retries
        # sends it: each answer is every record's receipt.
        lines = device.entries(from_seq=max(1, n))
        answers = at_once([post(api, lines) for api in apis])
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        bodies = [a.json() for a in answers]
        assert sorted(b["accepted"] for b in bodies) == [0, 1], bodies
        assert bodies[0]["receipts"] == bodies[1]["receipts"]
        taken["ab"[[b["accepted"] for b in bodies].index(1)]] += 1
        for receipt in bodies[0]["receipts"]:
            receipts.setdefault(receipt["receipt"]["record"], set()).add(receipt["signature"])
    elapsed = time.monotonic() - began
    chain = [(r.seq, r.hash) for r in device.chain()]
    held = servers.query(
        "SELECT seq, hash FROM records WHERE device = %s ORDER BY seq", device.device_id
    )
    assert held == chain and len(chain) == ROUNDS + 1  # one chain: no fork, no gap, no twice
    assert {h for _, h in chain[1:]} == set(receipts)
    assert all(len(signatures) == 1 for signatures in receipts.values())  # receipted once
    for server in (servers.a, servers.b):
        (found,) = server.api(token).ok("GET", "/v1/devices")
        assert found["head_seq"] == ROUNDS
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["billable_seconds"] == ROUNDS * 60
    print(
        f"\n{ROUNDS} rounds of one batch sent to two servers at once, in {elapsed:.1f} s: "
        f"server A took the new record {taken['a']} times, B {taken['b']}; the other answered "
        f"with the same receipts every time; {len(chain)} records in one chain."
    )


def test_two_devices_of_one_freelancer_never_bill_a_minute_twice(
    servers: Pair, tmp_path: Path
) -> None:
    """The overlap check reads the freelancer's other devices' segments: a segment of each
    device over the same minute, sent to the two servers at once, is taken once."""
    parties = make_parties(servers.a, tmp_path, "twice")
    outcomes = []
    for n in range(OVERLAP_ROUNDS):
        lines = []
        for side in "ab":
            device = RecordingDevice(tmp_path / f"device-{n}-{side}", START, seed=n)
            local = device.contract(parties.contract_id)
            parties.freelancer.ok("POST", "/v1/devices", 201, json={"genesis": device.genesis()})
            manual_minute(device, local, MONDAY + n * MINUTE)
            lines.append(device.entries())
            device.close()
        a = parties.freelancer
        b = servers.b.api(a.token)
        answers = at_once([post(a, lines[0]), post(b, lines[1])])
        outcomes.append(sorted(answer.status_code for answer in answers))
        refused = next(answer.json() for answer in answers if answer.status_code != 200)
        assert refused["code"] == "overlap", refused
    assert outcomes == [[200, 409]] * OVERLAP_ROUNDS
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["billable_seconds"] == OVERLAP_ROUNDS * 60


def contracts_with_a_week(parties: Parties, count: int) -> list[str]:
    """The parties' contract and ``count - 1`` more, each with a minute of the week uploaded."""
    ids = [parties.contract_id]
    for _ in range(count - 1):
        offer = {
            "freelancer": parties.freelancer_email,
            "title": "More",
            "hourly_rate_cents": 6000,
            "manual_time_allowed": True,
        }
        offered = parties.client.ok("POST", "/v1/contracts", 201, json=offer)
        parties.freelancer.ok("POST", f"/v1/contracts/{offered['id']}/accept")
        ids.append(offered["id"])
    for n, contract in enumerate(ids):
        local = parties.local if n == 0 else parties.device.contract(contract, rate_cents=6000)
        manual_minute(parties.device, local, MONDAY + timedelta(hours=n))
    parties.upload(parties.device.entries())
    return ids


def test_a_week_settled_by_two_servers_at_once_moves_its_money_once(
    servers: Pair, tmp_path: Path
) -> None:
    parties = make_parties(servers.a, tmp_path, "settle")
    contracts = contracts_with_a_week(parties, 8)
    servers.set_time(AFTER_RELEASE)
    client, freelancer = parties.client, parties.freelancer
    for contract in contracts:
        path = f"/v1/contracts/{contract}/weeks/{WEEK}"
        answers = at_once(
            [
                get(server, api, path)
                for server in (servers.a, servers.b)
                for api in (client, freelancer)
            ]
        )
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        assert {a.json()["state"] for a in answers} == {"released"}
    answers = at_once(
        [
            get(server, api, "/v1/me")
            for server in (servers.a, servers.b)
            for api in (client, freelancer)
        ]
    )
    me = [answer.json() for answer in answers]
    amounts = {
        c: servers.query("SELECT amount_cents FROM weeks WHERE contract = %s", c)[0][0]
        for c in contracts
    }
    total = sum(amounts.values())
    assert total == 75 + 7 * 100  # a minute at $45/h, seven at $60/h
    assert [m["escrow_cents"] for m in me if m["role"] == "client"] == [-total, -total]
    assert [m["released_cents"] for m in me if m["role"] == "freelancer"] == [total, total]
    week = int(MONDAY.timestamp())
    for contract in contracts:
        payments = servers.query(
            "SELECT kind, cents FROM payments WHERE contract = %s AND week = %s ORDER BY kind",
            contract,
            week,
        )
        assert payments == [("escrow", -amounts[contract]), ("released", amounts[contract])]
        actions = servers.query(
            "SELECT action FROM actions WHERE contract = %s AND week = %s ORDER BY rowid",
            contract,
            week,
        )
        assert [a for (a,) in actions] == ["locked", "approved", "released"]
    # Nor twice in the weeks after (locked with nothing in them).
    twice = "SELECT {0} FROM {1} GROUP BY contract, week, {0} HAVING count(*) > 1"
    assert servers.query(twice.format("kind", "payments")) == []
    assert servers.query(twice.format("action", "actions")) == []


def test_a_week_locked_by_a_server_whose_clock_runs_ahead_takes_no_more_records(
    servers: Pair, tmp_path: Path
) -> None:
    parties = make_parties(servers.a, tmp_path, "ahead")
    manual_minute(parties.device, parties.local, MONDAY)
    parties.upload(parties.device.entries())
    servers.a.set_time(at(12, 0, 1, day=30))  # Monday 12:00:01 after the week: locked
    servers.b.set_time(at(11, 59, 59, day=30))  # a second before, by B's clock
    path = f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}"
    assert parties.client.ok("GET", path)["amount_cents"] == 75  # a minute at $45/h
    manual_minute(parties.device, parties.local, MONDAY + MINUTE)
    b = servers.b.api(parties.freelancer.token)
    problem = b.refused(
        "POST", "/v1/records", "week-locked", json={"records": parties.device.entries(2)}
    )
    assert problem["accepted"] == 0
    assert parties.client.ok("GET", path)["billable_seconds"] == 60


def test_failed_sign_ins_are_counted_by_every_server(servers: Pair) -> None:
    """Whoever guesses a password gets 10 guesses, however many servers they spread them over:
    the count is in the database, not in a process."""
    a, b = servers.a.api(), servers.b.api()
    a.sign_up("shared@example.com", "client", "the right password")
    wrong = {"email": "shared@example.com", "password": "a wrong guess"}
    for n in range(10):
        (a if n % 2 else b).refused("POST", "/v1/sessions", "login-failed", json=wrong)
    right = {"email": "shared@example.com", "password": "the right password"}
    for api in (a, b):
        api.refused("POST", "/v1/sessions", "too-many-sign-ins", json=right)


def starting(data: Path, url: str) -> Callable[[], Server]:
    return lambda: Server(data, START, extra_args=["--database", url])


def test_two_servers_starting_together_on_a_new_database_migrate_it_once(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.create_database()
    started = at_once([starting(tmp_path / side, url) for side in "ab"])
    for server in started:
        server.api().sign_up(f"{server.data.name}@example.com", "client")
        server.stop()
    with psycopg.connect(url) as db:
        rows = db.execute("SELECT name FROM migrations ORDER BY name").fetchall()
        assert [r[0] for r in rows] == [name for name, _ in MIGRATIONS]
        assert db.execute("SELECT count(*) FROM accounts").fetchone() == (2,)


def serve(tmp_path: Path, database: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "serve",
            "--port",
            "0",
            "--data",
            str(tmp_path / "data"),
            "--database",
            database,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_a_database_that_cannot_be_used_is_explained_without_its_password(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    secret = "s3cret-Pa55"
    closed = f"postgresql://workdiary:{secret}@127.0.0.1:1/marketplace"
    missing = f"postgresql://workdiary:{secret}@127.0.0.1:{postgres.port}/no_such_database"
    for url, said in [
        (closed, "Connection refused"),
        (missing, 'database "no_such_database" does not exist'),
    ]:
        result = serve(tmp_path, url)
        assert result.returncode == 3, result.stderr
        assert said in result.stderr and "PGPASSWORD" in result.stderr
        assert url.replace(f":{secret}", "").split("?")[0] in result.stderr
        assert secret not in result.stdout + result.stderr and "Traceback" not in result.stderr
    for url, said in [
        (f"mysql://workdiary:{secret}@127.0.0.1/marketplace", "not a postgresql:// address"),
        (f"postgresql://workdiary:{secret}@127.0.0.1:port/marketplace", "no valid port"),
        (f"postgresql://workdiary:{secret}@127.0.0.1:5432", "names one database"),
    ]:
        result = serve(tmp_path, url)
        assert result.returncode == 2 and said in result.stderr, result.stderr
        assert secret not in result.stderr
    other = postgres.create_database()
    with psycopg.connect(other) as db:
        db.execute("CREATE TABLE accounts (id integer)")
    result = serve(tmp_path, other)
    assert result.returncode == 3 and "tables the marketplace did not make" in result.stderr
    assert not (tmp_path / "data" / "marketplace.sqlite3").exists()


@pytest.mark.sqlite_files("about serve without --database, which postgres-s3 always passes")
def test_the_default_is_still_the_data_dirs_sqlite_file(tmp_path: Path) -> None:
    with running(tmp_path / "data", START) as server:
        server.api().sign_up("a@example.com", "client")
        assert "Records, accounts and money in" not in server.output()
    assert (tmp_path / "data" / "marketplace.sqlite3").exists()


@pytest.mark.sqlite_files("its server names a database of its own either way: once is enough")
def test_a_database_lost_while_serving_answers_503_and_keeps_nothing_then_recovers(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """The database refuses connections and drops the server's (as a restart of PostgreSQL
    does): each request is answered 503 storage-unavailable with Retry-After, none of it kept,
    the server keeps running, and serves again once the database is back."""
    url = postgres.create_database()
    name = url.rsplit("/", 1)[1]

    def admin(sql: str) -> None:
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as db:
            db.execute(sql)

    with running(tmp_path / "data", START, extra_args=["--database", url]) as server:
        client = server.api().sign_up("client@example.com", "client")
        admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        try:
            for call in (
                lambda: client.call("GET", "/v1/me"),
                lambda: server.api().call(
                    "POST",
                    "/v1/accounts",
                    json={
                        "email": "late@example.com",
                        "password": "correct horse battery",
                        "name": "Late",
                        "role": "freelancer",
                    },
                ),
            ):
                answer = call()
                assert answer.status_code == 503, answer.text
                assert answer.json()["code"] == "storage-unavailable", answer.text
                assert "its records" in answer.json()["detail"]
                assert answer.headers["Retry-After"].isdigit()
            assert server.process is not None and server.process.poll() is None, server.output()
            assert "Storage failed on GET /v1/me" in server.output()
        finally:
            admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

        def serves() -> bool:
            return client.call("GET", "/v1/me").status_code == 200

        wait_until(serves, timeout=60, what="the server to serve again")
        with psycopg.connect(url) as db:
            assert db.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
        server.api().sign_up("late@example.com", "freelancer")
