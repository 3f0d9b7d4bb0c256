"""Signing: records on close, amendments, rotation; the device key in the real keyring; no keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from diary.canonical import canonical, parse_json, sha256_hex
from diary.records import AmendmentKind
from sync.autosign import SignOnClose
from sync.keys import SERVICE, KeyringVault
from sync.ledger import Ledger
from sync.signer import Signer
from sync.signing import SigningReport
from tests.sync.conftest import without_keyring
from tests.sync.seeding import track
from tests.tracker.helpers import at
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.store import Store


def test_first_signing_creates_a_key_kept_only_in_the_keyring(
    store: Store, ledger: Ledger, data_dir: Path, keyring_vault: KeyringVault, fake_clock: FakeClock
) -> None:
    report = Signer(store, ledger, keyring_vault, fake_clock).sign_pending()
    assert report == SigningReport(signed=0, waiting=0)
    (key,) = ledger.keys()
    assert key.device_id == key.key_id == sha256_hex(key.public_key)
    secret = keyring.get_password(SERVICE, f"device-key-{key.key_id}")
    assert secret is not None and len(secret) == 64
    raw = bytes.fromhex(secret)
    for path in data_dir.rglob("*"):  # not in the database, its WAL, the log: nowhere on disk
        if path.is_file():
            content = path.read_bytes()
            assert raw not in content and secret.encode() not in content, path
    (genesis,) = ledger.chain(key.device_id)
    record = parse_json(genesis.record)
    assert (record["type"], record["seq"], record["prev"]) == ("key", 0, None)
    assert record["public_key"] == key.public_key.hex()
    assert genesis.hash == sha256_hex(genesis.record) == sha256_hex(canonical(record))


def test_segments_are_signed_as_they_close_and_chained(
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    signer: Signer,
    ledger: Ledger,
) -> None:
    reports: list[SigningReport] = []
    engine.subscribe(SignOnClose(lambda: reports.append(signer.sign_pending())))
    track(engine, fake_clock, counter, contract_id, "Checkout page", at(10, 3, 27), at(10, 25))
    device = ledger.devices()[0]
    chain = ledger.chain(device)
    records = [parse_json(r.record) for r in chain]
    assert [r["type"] for r in records] == ["key", "segment", "segment", "segment"]
    assert [(r["start"], r["end"]) for r in records[1:]] == [
        ("2026-11-25T10:03:27Z", "2026-11-25T10:10:00Z"),
        ("2026-11-25T10:10:00Z", "2026-11-25T10:20:00Z"),
        ("2026-11-25T10:20:00Z", "2026-11-25T10:25:00Z"),
    ]
    assert [r["seq"] for r in records] == [0, 1, 2, 3]
    for before, after in zip(chain, records[1:], strict=False):
        assert after["prev"] == before.hash
    details = parse_json(chain[2].details or b"")
    assert details["memo"] == "Checkout page"
    assert details["active_minutes"] == len(details["minutes"]) == 10
    assert details["minutes"][0] == {
        "start": "2026-11-25T10:10:00Z",
        "keys": 3,
        "clicks": 1,
        "scrolls": 0,
        "moves": 0,
        "injected": 0,
        "unavailable": None,
    }
    assert records[2]["details"] == sha256_hex(chain[2].details or b"")
    assert all(r.signed == 1 for r in reports if r.signed)  # one round a closed segment
    assert ledger.unsigned_count() == 0


def test_later_changes_are_signed_amendments_naming_the_segment(
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    signer: Signer,
    ledger: Ledger,
    store: Store,
) -> None:
    track(engine, fake_clock, counter, contract_id, "Checkout page", at(10, 3, 27), at(10, 20))
    signer.sign_pending()
    first, second = store.segments_between(at(10, 0), at(11, 0))
    fake_clock.advance(3600)
    store.add_amendment(first.id, AmendmentKind.MEMO, memo="Checkout page: tax rules")
    store.add_amendment(second.id, AmendmentKind.DELETE_SEGMENT, reason="private call")
    assert signer.sign_pending().signed == 2
    chain = ledger.chain(ledger.devices()[0])
    memo, deletion = (parse_json(r.record) for r in chain[-2:])
    assert (memo["type"], memo["kind"], memo["segment"]) == ("amendment", "memo", first.id)
    assert parse_json(chain[-2].details or b"") == {
        "memo": "Checkout page: tax rules",
        "reason": None,
    }
    assert (deletion["kind"], deletion["segment"]) == ("delete-segment", second.id)
    assert memo["made_at"] == "2026-11-25T11:20:00Z"
    assert signer.sign_pending().signed == 0  # nothing is ever signed twice


def test_an_amendment_of_a_segment_still_open_waits_for_its_segment(
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    signer: Signer,
    ledger: Ledger,
    store: Store,
) -> None:
    engine.start(contract_id, "Checkout page")
    counter.key_pressed()
    fake_clock.advance(70)
    engine.tick()
    (open_segment,) = store.open_segments()
    store.add_amendment(open_segment.id, AmendmentKind.MEMO, memo="Renamed while open")
    assert signer.sign_pending().signed == 0
    engine.stop()
    assert signer.sign_pending().signed == 2
    types = [parse_json(r.record)["type"] for r in ledger.chain(ledger.devices()[0])]
    assert types == ["key", "segment", "amendment"]


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_tracking_goes_on_and_segments_wait(
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    store: Store,
) -> None:
    ledger = Ledger(store)
    signer = Signer(store, ledger, KeyringVault(), fake_clock)
    reports: list[SigningReport] = []
    engine.subscribe(SignOnClose(lambda: reports.append(signer.sign_pending())))
    track(engine, fake_clock, counter, contract_id, "Offline day", at(10, 3, 27), at(10, 25))
    assert len(store.segments_between(at(10, 0), at(11, 0))) == 3
    assert ledger.keys() == [] and ledger.devices() == []
    last = reports[-1]
    assert last.signed == 0 and last.waiting == 3
    assert last.problem is not None
    assert "no keyring is available" in last.problem
    assert last.code == "no-keyring" and "main.py" not in last.problem


def test_waiting_segments_are_signed_once_a_keyring_works(
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    contract_id: int,
    store: Store,
    keyring_vault: KeyringVault,
) -> None:
    ledger = Ledger(store)
    with without_keyring():
        track(engine, fake_clock, counter, contract_id, "Offline", at(10, 3, 27), at(10, 25))
        assert Signer(store, ledger, KeyringVault(), fake_clock).sign_pending().waiting == 3
    report = Signer(store, ledger, keyring_vault, fake_clock).sign_pending()
    assert (report.signed, report.waiting, report.problem) == (3, 0, None)
    assert ledger.unsigned_count() == 0


def test_rotation_is_signed_by_the_old_key(
    ledger: Ledger, store: Store, fake_clock: FakeClock, keyring_vault: KeyringVault
) -> None:
    signer = Signer(store, ledger, keyring_vault, fake_clock)
    signer.sign_pending()
    old, new = signer.rotate()
    assert new.device_id == old.device_id
    chain = ledger.chain(old.device_id)
    rotation = parse_json(chain[-1].record)
    assert (rotation["type"], rotation["key"], rotation["public_key"]) == (
        "key",
        old.key_id,
        new.public_key.hex(),
    )
    assert keyring.get_password(SERVICE, f"device-key-{old.key_id}") is None
    current = ledger.current_key()
    assert current is not None and current.key_id == new.key_id
    # A fresh process finds the new key in the keyring and goes on with the same chain.
    again = Signer(store, ledger, keyring_vault, fake_clock).signing_key()
    assert (again.key_id, again.device_id) == (new.key_id, old.device_id)


def test_a_key_lost_from_the_keyring_starts_a_new_device(
    ledger: Ledger, store: Store, fake_clock: FakeClock, keyring_vault: KeyringVault
) -> None:
    first = Signer(store, ledger, keyring_vault, fake_clock).signing_key()
    keyring_vault.delete(first.key_id)
    fresh = Signer(store, ledger, keyring_vault, fake_clock)
    report = fresh.sign_pending()
    second = fresh.signing_key()
    assert second.device_id != first.device_id
    assert len(ledger.devices()) == 2
    (notice,) = report.notices
    assert "no longer in the system keyring" in notice
    (retired, current) = ledger.keys()
    assert retired.retired_at is not None and current.retired_at is None
