"""The storage interface's contract, on every engine: what is written reads back the same, the
uniqueness rules refuse the same writes, a transaction is all or nothing, the migrations run
once, and a lock makes a second transaction wait for the first."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from marketplace.models import (
    Account,
    Action,
    Comment,
    Contract,
    ContractState,
    Decision,
    Device,
    DeviceKey,
    Dispute,
    LimitChange,
    Role,
    Segment,
    Session,
    StoredRecord,
    Week,
    WeekState,
)
from marketplace.storage import Conflict, Storage, Transaction
from marketplace.storage.address import parse_database_address
from marketplace.storage.postgres import PostgresStorage
from marketplace.storage.schema import MIGRATIONS
from marketplace.storage.sql import LockOrderError
from marketplace.storage.sqlite import SqliteStorage
from tests.marketplace.postgres import PostgresServer

T0 = datetime(2026, 11, 23, tzinfo=UTC)
#: Past 2038 and 2**31 cents: a 32-bit integer would hold neither.
FAR = datetime(2100, 1, 1, tzinfo=UTC)
BIG_CENTS = 3 * 2**31


def open_storage(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Storage:
    if engine == "sqlite":
        return SqliteStorage(tmp_path / "marketplace.sqlite3")
    postgres: PostgresServer = request.getfixturevalue("postgres")
    return PostgresStorage.open(parse_database_address(postgres.create_database()))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def storage(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Storage]:
    found = open_storage(engine, tmp_path, request)
    yield found
    found.close()


def account(name: str, role: Role = Role.FREELANCER) -> Account:
    return Account(f"id-{name}", f"{name}@example.com", name, role, "hash", T0)


def record(device: str, seq: int, segment: str | None = None, **kw: object) -> StoredRecord:
    fields: dict[str, object] = {
        "hash": f"h-{device}-{seq}",
        "device": device,
        "seq": seq,
        "type": "segment" if segment else "key",
        "contract": "m-1" if segment else None,
        "segment": segment,
        "signed_at": f"2026-11-23T10:{seq:02d}:00Z",
        "key": "k1",
        "record": b'{"r":1}\x00\xff',
        "signature": bytes(range(64)),
        "details": b"{}" if segment else None,
        "received_at": T0,
        "receipt": b"receipt",
        "receipt_signature": b"\x01" * 64,
    }
    fields.update(kw)
    return StoredRecord(**fields)  # type: ignore[arg-type]


def segment(sid: str, start: datetime, minutes: int = 10, **kw: object) -> Segment:
    fields: dict[str, object] = {
        "id": sid,
        "device": "d1",
        "account": "id-ana",
        "contract": "m-1",
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "kind": "tracked",
        "state": "tracked",
        "billable_seconds": minutes * 60,
        "record": f"r-{sid}",
    }
    fields.update(kw)
    return Segment(**fields)  # type: ignore[arg-type]


def seed(tx: Transaction) -> None:
    """Two accounts, a device with its key, and a contract between them."""
    tx.add_account(account("ana"))
    tx.add_account(account("bo", Role.CLIENT))
    tx.add_device(Device("d1", "id-ana", T0))
    tx.add_key(DeviceKey("k1", "d1", b"\x00public\xff", 0))
    tx.add_contract(
        Contract("m-1", "id-bo", "id-ana", "Website", 4500, True, ContractState.ACTIVE, T0, T0)
    )


def test_accounts_sessions_devices_and_contracts_read_back(storage: Storage) -> None:
    with storage.transaction() as tx:
        seed(tx)
        tx.add_session(Session("t1", "id-ana", T0, FAR))
        tx.add_limit_change(LimitChange("m-1", 40, T0, T0))
        tx.add_limit_change(LimitChange("m-1", None, T0, T0))  # same moment: kept in order
        tx.add_limit_change(LimitChange("m-1", 30, T0, T0 - timedelta(days=1)))
    with storage.transaction() as tx:
        assert tx.account("id-ana") == account("ana")
        assert tx.account_by_email("bo@example.com") == account("bo", Role.CLIENT)
        assert tx.account("nobody") is None
        assert tx.session("t1") == Session("t1", "id-ana", T0, FAR)
        tx.revoke_session("t1", T0 + timedelta(hours=1))
        tx.revoke_session("t1", T0 + timedelta(hours=2))  # revoked once
        assert tx.session("t1") == Session("t1", "id-ana", T0, FAR, T0 + timedelta(hours=1))
        assert tx.devices("id-ana") == [Device("d1", "id-ana", T0)]
        assert tx.keys("d1") == [DeviceKey("k1", "d1", b"\x00public\xff", 0)]
        assert (
            [c.id for c in tx.contracts("id-bo")]
            == ["m-1"]
            == [c.id for c in tx.contracts("id-ana")]
        )
        tx.set_contract_state("m-1", ContractState.OFFERED, None)
        assert tx.contract("m-1") == Contract(
            "m-1", "id-bo", "id-ana", "Website", 4500, True, ContractState.OFFERED, T0, None
        )
        assert [c.hours for c in tx.limit_changes("m-1")] == [30, 40, None]


def test_records_and_the_chain_head(storage: Storage) -> None:
    with storage.transaction() as tx:
        seed(tx)
        assert tx.head("d1") is None
        tx.add_records(
            [record("d1", 0), record("d1", 1, "s1"), record("d1", 2, "s1", type="amendment")]
        )
    with storage.transaction() as tx:
        head = tx.head("d1")
        assert head is not None and (head.seq, head.hash, head.key) == (2, "h-d1-2", "k1")
        assert tx.record("h-d1-1") == record("d1", 1, "s1")
        assert tx.record_at("d1", 0) == record("d1", 0)
        assert [r.seq for r in tx.chain("d1", 1)] == [1, 2]
        assert [r.seq for r in tx.key_records("d1")] == [0]
        assert [r.seq for r in tx.segment_records("s1")] == [1, 2]
        assert tx.last_signed_before("d1", datetime(2026, 11, 23, 10, 2, tzinfo=UTC)) == 1
        assert tx.last_signed_before("d1", T0) is None


def test_a_seq_or_a_hash_held_is_refused_and_nothing_of_the_transaction_kept(
    storage: Storage,
) -> None:
    with storage.transaction() as tx:
        seed(tx)
        tx.add_records([record("d1", 0)])
    for twice in (
        [record("d1", 1, "s1"), record("d1", 0, hash="other")],
        [record("d1", 1, "s1", hash="h-d1-0")],
    ):
        with pytest.raises(Conflict), storage.transaction() as tx:
            tx.add_records(twice)
        with storage.transaction() as tx:
            assert [r.hash for r in tx.chain("d1", 0)] == ["h-d1-0"]
    with pytest.raises(Conflict), storage.transaction() as tx:
        tx.add_account(Account("id-2", "ana@example.com", "Ana 2", Role.CLIENT, "x", T0))


def test_a_transaction_that_fails_keeps_nothing(storage: Storage) -> None:
    with pytest.raises(ZeroDivisionError), storage.transaction() as tx:
        seed(tx)
        tx.add_payment("id-ana", "m-1", T0, 100, "released", T0)
        print(1 / 0)
    with storage.transaction() as tx:
        assert tx.account("id-ana") is None and tx.balance("id-ana") == {}


def test_a_transaction_is_done_with_when_its_block_ends(storage: Storage) -> None:
    """Its cursor is closed there, on the thread that ran it. A route keeps its transaction
    object until it returns, after the connection went to another thread; a SQLite cursor let
    go of then resets its last statement, which the connection's statement cache may have
    handed to that thread meanwhile ("bad parameter or other API misuse" under load)."""
    with storage.transaction() as written:
        written.head("d1")
    with storage.reading() as read:
        read.head("d1")
    for done in (written, read):
        with pytest.raises((sqlite3.ProgrammingError, psycopg.InterfaceError), match="closed"):
            done.head("d1")


def test_segments_overlaps_and_screenshot_names(storage: Storage) -> None:
    with storage.transaction() as tx:
        seed(tx)
        tx.put_segment(segment("s1", T0))
        tx.put_segment(segment("s2", T0 + timedelta(minutes=10), 5))
        tx.put_segment(segment("s0", T0 - timedelta(minutes=10), 10))
        tx.add_screenshot_names("id-ana", "s1", ["a" * 64, "b" * 64])
        tx.add_screenshot_names("id-ana", "s1", ["a" * 64])  # named again: once
    with storage.transaction() as tx:
        # A new count of the same record rewrites the row; another record is refused.
        tx.put_segment(segment("s1", T0, state="deleted", billable_seconds=0))
        with pytest.raises(Conflict):
            tx.put_segment(segment("s1", T0, record="r-other"))
    with storage.transaction() as tx:
        assert tx.segment("s1") == segment("s1", T0, state="deleted", billable_seconds=0)
        start = T0 + timedelta(minutes=9)
        assert [
            s.id for s in tx.segments_overlapping("id-ana", start, start + timedelta(minutes=2))
        ] == ["s1", "s2"]
        assert (
            tx.segments_overlapping(
                "id-ana", T0 + timedelta(minutes=15), T0 + timedelta(minutes=20)
            )
            == []
        )
        assert [
            s.id
            for s in tx.contract_segments(
                "m-1", T0 - timedelta(minutes=10), T0 + timedelta(hours=1)
            )
        ] == ["s0", "s1", "s2"]
        assert sorted(tx.screenshot_names("s1")) == ["a" * 64, "b" * 64]
        assert not tx.names_screenshot(None, "a" * 64)  # s1 is deleted
        tx.put_segment(segment("s1", T0))
        assert tx.names_screenshot(None, "a" * 64) and tx.names_screenshot("id-ana", "a" * 64)
        assert not tx.names_screenshot("id-bo", "a" * 64)


def test_files_whose_deletion_failed_are_noted_once_and_read_oldest_first(
    storage: Storage,
) -> None:
    with storage.transaction() as tx:
        tx.add_unused_screenshot("c" * 64, T0 + timedelta(minutes=1))
        tx.add_unused_screenshot("d" * 64, T0)
        tx.add_unused_screenshot("c" * 64, T0 + timedelta(minutes=5))  # failed again: once
    with storage.reading() as tx:
        assert tx.unused_screenshots(10) == ["d" * 64, "c" * 64]
        assert tx.unused_screenshots(1) == ["d" * 64]
    with storage.transaction() as tx:
        tx.remove_unused_screenshot("d" * 64)
        tx.remove_unused_screenshot("e" * 64)  # not noted: nothing to do
    with storage.reading() as tx:
        assert tx.unused_screenshots(10) == ["c" * 64]


def test_failed_sign_ins_are_read_after_a_moment_and_forgotten(storage: Storage) -> None:
    with storage.transaction() as tx:
        for minutes in (0, 5, 10):
            tx.add_sign_in_failure("ana@example.com", T0 + timedelta(minutes=minutes), T0)
        tx.add_sign_in_failure("bo@example.com", T0 + timedelta(minutes=10), T0)
    with storage.reading() as tx:
        assert tx.sign_in_failures("ana@example.com", T0) == [
            T0 + timedelta(minutes=5),
            T0 + timedelta(minutes=10),
        ]
    with storage.transaction() as tx:  # those before the window go with the next failure
        tx.add_sign_in_failure(
            "bo@example.com", T0 + timedelta(minutes=11), T0 + timedelta(minutes=6)
        )
        tx.clear_sign_in_failures("bo@example.com")
    with storage.reading() as tx:
        assert tx.sign_in_failures("ana@example.com", T0 - timedelta(minutes=1)) == [
            T0 + timedelta(minutes=10)
        ]
        assert tx.sign_in_failures("bo@example.com", T0) == []


def test_weeks_disputes_decisions_comments_actions_and_money(storage: Storage) -> None:
    week = Week("m-1", FAR, WeekState.IN_REVIEW, 3600, BIG_CENTS, 0, 0, FAR)
    dispute = Dispute("x1", "m-1", FAR, ("s1", "s2"), "Not worked", 1200, 900, "id-bo", FAR)
    with storage.transaction() as tx:
        seed(tx)
        tx.put_week(week)
        tx.put_week(
            week := Week("m-1", FAR, WeekState.DISPUTED, 3600, BIG_CENTS, 900, 0, FAR, FAR, None, 5)
        )
        tx.add_dispute(dispute)
        tx.add_decision(Decision("x1", "s1", "pay", "Fine", 600, 450, "id-m", FAR))
        tx.add_comment(Comment("x1", "id-ana", "I worked", FAR))
        for n in range(3):
            tx.add_action(Action(None, "m-1", FAR, f"step {n}", "", FAR))  # same moment
        tx.add_payment("id-bo", "m-1", FAR, -BIG_CENTS, "escrow", FAR)
        tx.add_payment("id-ana", "m-1", FAR, BIG_CENTS, "released", FAR)
        tx.add_payment("id-ana", "m-1", FAR, 1, "released", FAR)
    with storage.transaction() as tx:
        assert tx.week("m-1", FAR) == week and tx.weeks("m-1") == [week]
        assert tx.dispute("x1") == dispute and tx.disputes("m-1", FAR) == [dispute]
        assert tx.open_disputes() == [dispute]  # s2 is not decided yet
        tx.add_decision(Decision("x1", "s2", "refund", "No", 600, 450, "id-m", FAR))
        assert tx.open_disputes() == []
        with pytest.raises(Conflict):
            tx.add_decision(Decision("x1", "s2", "pay", "Again", 600, 450, "id-m", FAR))
    with storage.transaction() as tx:
        assert [d.segment for d in tx.decisions("x1")] == ["s1", "s2"]
        assert tx.comments("x1") == [Comment("x1", "id-ana", "I worked", FAR)]
        assert [a.action for a in tx.actions("m-1")] == ["step 0", "step 1", "step 2"]
        balance = tx.balance("id-ana")
        assert balance == {"released": BIG_CENTS + 1} and type(balance["released"]) is int
        assert tx.balance("id-bo") == {"escrow": -BIG_CENTS}


def test_text_orders_byte_by_byte(storage: Storage) -> None:
    """Ties are broken by id in the order SQLite gives, whatever PostgreSQL's locale."""
    ids = ["m-b", "m-B", "m-_", "m-a", "m-0"]
    with storage.transaction() as tx:
        seed(tx)
        for cid in ids:
            tx.add_contract(
                Contract(cid, "id-bo", "id-ana", "W", 1, False, ContractState.OFFERED, FAR)
            )
        found = [c.id for c in tx.contracts("id-bo") if c.created_at == FAR]
    assert found == sorted(ids, key=lambda i: i.encode())


def test_the_migrations_run_once_and_are_recorded(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first = open_storage(engine, tmp_path, request)
    with first.transaction() as tx:
        seed(tx)
    if isinstance(first, PostgresStorage):
        again: Storage = PostgresStorage.open(first.address)
    else:
        again = SqliteStorage(tmp_path / "marketplace.sqlite3")
    with again.transaction() as tx:
        assert tx.account("id-ana") is not None  # nothing made anew
    first.close()
    again.close()
    names = [name for name, _ in MIGRATIONS]
    if engine == "sqlite":
        import sqlite3

        with sqlite3.connect(tmp_path / "marketplace.sqlite3") as db:
            rows = db.execute("SELECT name FROM migrations ORDER BY name").fetchall()
    else:
        assert isinstance(first, PostgresStorage)
        with psycopg.connect(first.address.url) as db:
            rows = db.execute("SELECT name FROM migrations ORDER BY name").fetchall()
    assert [r[0] for r in rows] == names


def test_locks_are_taken_in_one_order(storage: Storage) -> None:
    with storage.transaction() as tx:
        tx.lock_freelancers("b", "a")
        tx.lock_freelancers("a")  # held already: nothing to take
        tx.lock_device("d1")
        tx.lock_screenshots("c" * 64, "d" * 64)
        tx.lock_screenshots()
        with pytest.raises(LockOrderError):
            tx.lock_freelancers("c")  # another freelancer after a screenshot: could deadlock
    with storage.transaction() as tx:
        tx.lock_freelancers("a")
        with pytest.raises(LockOrderError):
            tx.lock_freelancers("b")  # one freelancer after another: could deadlock too


def test_a_second_transaction_naming_the_same_lock_waits_for_the_first(storage: Storage) -> None:
    with storage.transaction() as tx:
        seed(tx)
    locked, seen = threading.Event(), []

    def second() -> None:
        locked.wait()
        with storage.transaction() as tx:
            tx.lock_freelancers("id-ana")
            seen.append(tx.balance("id-ana"))

    thread = threading.Thread(target=second)
    thread.start()
    with storage.transaction() as tx:
        tx.lock_freelancers("id-ana")
        locked.set()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for this transaction's lock
        tx.add_payment("id-ana", "m-1", T0, 100, "released", T0)
    thread.join(10)
    assert seen == [{"released": 100}]  # it read after the first committed


def test_different_freelancers_never_wait_for_each_other(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """PostgreSQL runs them side by side (SQLite runs every transaction one at a time)."""
    storage = PostgresStorage.open(parse_database_address(postgres.create_database()))
    inside = threading.Barrier(2, timeout=10)

    def transaction(freelancer: str) -> None:
        with storage.transaction() as tx:
            tx.lock_freelancers(freelancer)
            inside.wait()  # both hold their lock at once

    threads = [threading.Thread(target=transaction, args=(f,)) for f in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert not inside.broken
    storage.close()
