"""The SQLite store: migrations, WAL, append-only history, and refusing a damaged file."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from diary.records import AmendmentKind, MinuteActivity, SegmentKind
from tests.tracker.helpers import at
from tracker.clock import FakeClock
from tracker.errors import DatabaseCorrupt, EnvironmentProblem, InvalidInput
from tracker.records import Segment
from tracker.store import DATABASE_FILE, Store


def _segment(store: Store, contract_id: int, closed: bool = True) -> Segment:
    segment = Segment("seg-1", contract_id, SegmentKind.TRACKED, at(10, 0), None, "memo", at(10, 0))
    store.open_segment(segment)
    store.add_minute(segment.id, MinuteActivity(at(10, 0), keys=3))
    if closed:
        store.close_segment(segment.id, at(10, 1), "segment ended")
    return segment


def test_migrations_are_recorded_and_wal_is_on(store: Store) -> None:
    assert store.applied_migrations() == [
        "0001_initial",
        "0002_amendment_screenshot",
        "0003_contract_archived",
        "0004_contract_marketplace_id",
    ]
    assert next(store.db.query("PRAGMA journal_mode"))["journal_mode"] == "wal"


def test_reopening_applies_nothing_twice(
    store: Store, data_dir: Path, fake_clock: FakeClock
) -> None:
    again = Store(data_dir / DATABASE_FILE, fake_clock)
    assert again.applied_migrations() == [
        "0001_initial",
        "0002_amendment_screenshot",
        "0003_contract_archived",
        "0004_contract_marketplace_id",
    ]
    again.close()


def test_contracts_round_trip(store: Store) -> None:
    contract = store.add_contract("Website", "Acme", 4550, 2400, True)
    assert store.contract(contract.id) == contract
    assert str(contract.rate) == "45.5"
    with pytest.raises(InvalidInput, match="no contract 99"):
        store.contract(99)


def test_negative_rate_is_refused_by_the_schema_too(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.add_contract("Website", "Acme", -1, 0, False)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE segments SET memo = 'changed'",
        "UPDATE segments SET end_at = end_at + 60",
        "DELETE FROM segments",
        "UPDATE minutes SET keys = 99",
        "DELETE FROM minutes",
    ],
)
def test_closed_history_cannot_be_rewritten(store: Store, contract_id: int, statement: str) -> None:
    _segment(store, contract_id)
    with pytest.raises(sqlite3.IntegrityError, match="append"):
        store.db.execute(statement)


def test_amendments_are_append_only(store: Store, contract_id: int) -> None:
    segment = _segment(store, contract_id)
    store.add_amendment(segment.id, AmendmentKind.MEMO, memo="better memo")
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("UPDATE amendments SET memo = 'sneaky'")
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("DELETE FROM amendments")
    (view,) = store.views(store.open_segments() or [store.segments_between(at(0, 0), at(23, 0))[0]])
    assert view.memo == "better memo"


def test_a_segment_cannot_leave_its_slot(store: Store, contract_id: int) -> None:
    segment = _segment(store, contract_id, closed=False)
    with pytest.raises(sqlite3.IntegrityError):
        store.close_segment(segment.id, at(10, 10, 1), "too far")


def test_an_open_segment_is_found_and_closed_once(store: Store, contract_id: int) -> None:
    segment = _segment(store, contract_id, closed=False)
    assert [s.id for s in store.open_segments()] == [segment.id]
    store.close_segment(segment.id, at(10, 1), "segment ended")
    assert store.open_segments() == []


def test_garbage_database_is_refused_untouched_with_a_copy(
    data_dir: Path, fake_clock: FakeClock
) -> None:
    path = data_dir / DATABASE_FILE
    garbage = b"this is not a database at all " * 200
    path.write_bytes(garbage)
    with pytest.raises(DatabaseCorrupt) as caught:
        Store(path, fake_clock)
    message = str(caught.value)
    assert str(path) in message and "left untouched" in message
    assert path.read_bytes() == garbage
    copies = list(data_dir.glob(f"{DATABASE_FILE}.corrupt-*"))
    assert len(copies) == 1 and copies[0].read_bytes() == garbage
    assert str(copies[0]) in message
    assert not (data_dir / f"{DATABASE_FILE}-wal").exists()
    for _ in range(3):  # each command run on it again, later: still one copy, named again
        fake_clock.advance(60)
        with pytest.raises(DatabaseCorrupt, match=str(copies[0])):
            Store(path, fake_clock)
    assert list(data_dir.glob(f"{DATABASE_FILE}.corrupt-*")) == copies


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs to fill needs root")
def test_a_full_disk_is_not_a_damaged_database(tmp_path: Path, fake_clock: FakeClock) -> None:
    """A crash left a write-ahead log; the disk filled up meanwhile: SQLite cannot make the
    shared-memory file it needs to read it, and says "disk I/O error"."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        path = mount / DATABASE_FILE
        store = Store(path, fake_clock)
        for n in range(100):
            store.add_contract(f"Contract {n}", "Client " * 100, 100, 0, False)
        kept = {p.name: p.read_bytes() for p in mount.iterdir()}  # as a crash leaves them
        store.close()
        for name, data in kept.items():
            (mount / name).unlink(missing_ok=True)
            (mount / name).write_bytes(data)
        (mount / f"{DATABASE_FILE}-shm").unlink(missing_ok=True)
        filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):
            while True:
                os.write(filler, b"x" * 4096)
        os.close(filler)
        with pytest.raises(EnvironmentProblem, match="is full") as caught:
            Store(path, fake_clock)
        assert not isinstance(caught.value, DatabaseCorrupt) and caught.value.code == "disk-full"
        assert list(mount.glob("*.corrupt-*")) == []
        (mount / "filler").unlink()
        again = Store(path, fake_clock)  # space again: nothing was lost
        assert again.contract(1).title == "Contract 0"
        again.close()
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_damaged_pages_are_refused(
    data_dir: Path, fake_clock: FakeClock, store: Store, contract_id: int
) -> None:
    for n in range(300):
        store.add_contract(f"Contract {n}", "Client " * 20, 100, 0, False)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    path = data_dir / DATABASE_FILE
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 2 * page + 300] = b"\xff" * 300  # scribble over a page header
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseCorrupt, match="damaged"):
        Store(path, fake_clock)
    assert path.read_bytes() == bytes(data)


def test_full_disk_is_explained_and_loses_nothing_recorded(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """SQLite's own page limit makes its "database or disk is full" (SQLITE_FULL), the error a
    full disk gives, without filling one."""
    store = Store(tmp_path / DATABASE_FILE, fake_clock)
    try:
        kept = store.add_contract("Kept", "Acme", 100, 0, False)
        pages = next(store.db.query("PRAGMA page_count"))["page_count"]
        store.db.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(EnvironmentProblem, match="is full: nothing more can be recorded"):
            for n in range(10_000):
                store.add_contract(f"Contract {n}", "Client " * 50, 100, 0, False)
        store.db.execute("PRAGMA max_page_count = 1073741823")  # space again
        assert store.contract(kept.id).title == "Kept"
        store.add_contract("After", "Acme", 100, 0, False)
        assert next(store.db.query("PRAGMA integrity_check"))["integrity_check"] == "ok"
    finally:
        store.close()


def test_a_second_store_in_the_process_never_costs_the_first_its_locks(
    data_dir: Path, fake_clock: FakeClock
) -> None:
    """The desktop app holds two connections (engine thread, GUI thread) while short `sign`
    processes open and close theirs. If opening the second one dropped the first one's locks,
    a closing process would delete the write-ahead log still in use, and later writes would
    vanish."""
    import sys

    path = data_dir / DATABASE_FILE
    first = Store(path, fake_clock)
    second = Store(path, fake_clock)
    other_process = (
        "import sys; from tracker.store import Store; from tracker.clock import SystemClock\n"
        "store = Store(__import__('pathlib').Path(sys.argv[1]), SystemClock())\n"
        "store.add_contract('Other', 'Process', 100, 0, False); store.close()\n"
    )
    root = Path(__file__).parents[2]
    subprocess.run([sys.executable, "-c", other_process, str(path)], check=True, cwd=root)
    assert path.with_name(path.name + "-wal").exists()
    first.add_contract("After", "Both", 100, 0, False)
    fresh = sqlite3.connect(path)
    titles = [row[0] for row in fresh.execute("SELECT title FROM contracts ORDER BY id")]
    fresh.close()
    second.close()
    first.close()
    assert titles == ["Other", "After"]
