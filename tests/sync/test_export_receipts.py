"""export and the marketplace's receipts: after a real sync (the marketplace a subprocess on
127.0.0.1) the bundle carries the receipt of every record, which both verifiers check, and
which give away records cut off its end; receipts of a key replaced since are left out; a
device never signed in exports no receipts. verify says which keys the marketplace vouched for
(its receipts of their key records) and which are self-issued."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.bundles import VERIFY_FAILED
from cli.main import main
from diary.receipts import MarketplaceKey
from sync.marketplace_client import MarketplaceClient
from sync.outbox import MarketplaceLink, Outbox
from sync.uploader import sync_round
from tests.conftest import START
from tests.diary import independent_verifier
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.device import RecordingDevice
from tests.marketplace.server import Server, running
from tests.sync.tampering import read_lines, rewrite
from tests.tracker.helpers import at
from tracker.clock import FakeClock

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("export") / "data", START) as found:
        yield found


@pytest.fixture
def parties(server: Server, tmp_path: Path) -> Iterator[Parties]:
    server.set_time(START)
    found = make_parties(server, tmp_path, now=at(8, 0, day=23))
    yield found
    found.device.close()


def sign_in(parties: Parties) -> tuple[MarketplaceClient, MarketplaceKey]:
    """The device signed in to the marketplace as its freelancer, pinning its key now."""
    device, url = parties.device, parties.server.url
    client = MarketplaceClient(url)
    card = client.card()
    account = client.login(parties.freelancer_email, PASSWORD)["account"]
    Outbox(device.store).set_link(
        MarketplaceLink(url, account["email"], account["id"], card.name, card.key, START)
    )
    return client, card.key


def sync(parties: Parties, client: MarketplaceClient) -> None:
    device = parties.device
    parties.server.set_time(device.clock.now())
    outbox = Outbox(device.store)
    report = sync_round(
        device.store, device.ledger, outbox, client, device.data_dir, device.clock.now()
    )
    assert report.refused_code is None, report
    assert outbox.receipted_head(device.device_id) == device.chain()[-1].seq


def export(device: RecordingDevice, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`export` of week 2026-W48, which has nothing to sign (the device's key is in memory)."""
    capsys.readouterr()
    args = ["--data-dir", str(device.data_dir), "export", "--week", "2026-W48", "-o", str(out)]
    code = main(args, clock=FakeClock(device.clock.now()))
    stdout, err = capsys.readouterr()
    assert code == 0, err
    return stdout


def verify_json(bundle: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["verify", str(bundle), "--json"])
    return code, json.loads(capsys.readouterr().out)


def members(bundle: Path) -> set[str]:
    with zipfile.ZipFile(bundle) as archive:
        return set(archive.namelist())


def receipt_lines(bundle: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(bundle) as archive:
        return [json.loads(line) for line in archive.read("receipts.jsonl").splitlines()]


def track_week(parties: Parties) -> None:
    device = parties.device
    device.track(parties.local, "Checkout page", at(9, 0, day=23), at(9, 30, day=23))
    device.track(parties.local, "Tax rules", at(10, 0, day=24), at(10, 20, day=24))


def test_a_synced_device_exports_the_receipt_of_every_record(
    parties: Parties, tmp_path: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    track_week(parties)
    client, key = sign_in(parties)
    bundle = tmp_path / "week.zip"
    # Signed in, nothing synced yet: no receipts, and no marketplace key.
    assert " 0 marketplace receipt(s)." in export(parties.device, bundle, capsys)
    assert not {"receipts.jsonl", "marketplace.json"} & members(bundle)
    sync(parties, client)
    out = export(parties.device, bundle, capsys)
    records = len(parties.device.chain())
    assert records == 6  # the genesis and five segments
    assert f"{records} record(s) (5 with details), " in out
    assert f" screenshot(s), {records} marketplace receipt(s)." in out
    assert "Warning" not in out
    with zipfile.ZipFile(bundle) as archive:
        assert json.loads(archive.read("marketplace.json")) == key.to_json()
    receipts = receipt_lines(bundle)
    held = {
        (r.at, r.record) for r in Outbox(parties.device.store).receipts(parties.device.device_id)
    }
    assert {
        ((r["receipt"]["device"], r["receipt"]["seq"]), r["receipt"]["record"]) for r in receipts
    } == held

    code, report = verify_json(bundle, capsys)
    assert code == 0, report["failures"]
    assert (report["ok"], report["records"]) == (True, records)
    assert (report["marketplace"], report["receipts"]) == (key.key_id, records)
    verdict = independent_verifier.verify(bundle)
    assert (verdict["ok"], verdict["receipted"]) == (True, records), verdict["failures"]


def test_records_cut_off_the_end_of_an_exported_bundle_are_given_away_by_a_receipt(
    parties: Parties, tmp_path: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    track_week(parties)
    client, _ = sign_in(parties)
    sync(parties, client)
    bundle = tmp_path / "week.zip"
    export(parties.device, bundle, capsys)
    lines = read_lines(bundle)
    kept, cut = lines[:-2], lines[-2:]  # Tuesday's two segments
    head = kept[-1]
    # The receipts of the records kept, and of one of those cut off.
    receipts = [r for r in receipt_lines(bundle) if r["receipt"]["seq"] <= cut[0]["record"]["seq"]]

    def head_before_the_cut(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest["devices"][0]["head"] = {"seq": head["record"]["seq"], "hash": head["hash"]}
        return manifest

    truncated = rewrite(
        bundle,
        tmp_path / "cut.zip",
        lines=lambda ls: ls[: len(kept)],
        manifest=head_before_the_cut,
        files={"receipts.jsonl": "".join(json.dumps(r) + "\n" for r in receipts).encode()},
    )
    code, report = verify_json(truncated, capsys)
    assert code == VERIFY_FAILED
    assert report["ok"] is False
    assert [(f["code"], f["seq"]) for f in report["failures"]] == [
        ("truncated", head["record"]["seq"])
    ]
    assert report["receipts"] == len(kept)
    verdict = independent_verifier.verify(truncated)
    assert not verdict["ok"]
    assert verdict["failures"] == [(head["record"]["seq"], "truncated")]
    # The bundle as exported, with the receipt of the record after the head, verifies.
    assert verify_json(bundle, capsys)[0] == 0


def test_receipts_of_a_key_the_marketplace_replaced_are_left_out(
    tmp_path: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with running(tmp_path / "marketplace", START) as server:
        parties = make_parties(server, tmp_path, now=at(8, 0, day=23))
        device = parties.device
        device.track(parties.local, "Checkout page", at(9, 0, day=23), at(9, 30, day=23))
        client, old = sign_in(parties)
        sync(parties, client)
        before = len(device.chain())
        server.stop()
        (server.data / "receipt-key.pem").rename(tmp_path / "old-receipt-key.pem")
        server.start()  # the same accounts and records, a new receipt key
        device.track(parties.local, "Tax rules", at(10, 0, day=24), at(10, 20, day=24))
        client, new = sign_in(parties)  # signing in again accepts the new key
        assert new != old
        sync(parties, client)
        bundle = tmp_path / "week.zip"
        out = export(device, bundle, capsys)
        records = len(device.chain())
        assert f"{records - before} marketplace receipt(s)." in out
        assert (
            f"Warning: {before} receipt(s) of the bundle's records were signed by a marketplace "
            f"key this device trusted before, not by the one it trusts now ({new.key_id[:16]})"
        ) in out
        code, report = verify_json(bundle, capsys)
        assert code == 0, report["failures"]
        assert (report["marketplace"], report["receipts"]) == (new.key_id, records - before)
        verdict = independent_verifier.verify(bundle)
        assert (verdict["ok"], verdict["receipted"]) == (True, records - before)
        device.close()


def test_a_device_never_signed_in_exports_no_receipts(
    tmp_path: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    device = RecordingDevice(tmp_path / "device", at(8, 0, day=23))
    contract = device.local_contract()
    device.track(contract, "My own project", at(9, 0, day=23), at(9, 20, day=23))
    bundle = tmp_path / "week.zip"
    out = export(device, bundle, capsys)
    assert "3 record(s) (2 with details), " in out
    assert " screenshot(s), 0 marketplace receipt(s)." in out
    assert {"manifest.json", "keys.jsonl", "records.jsonl"} <= members(bundle)
    assert not {"receipts.jsonl", "marketplace.json"} & members(bundle)
    code, report = verify_json(bundle, capsys)
    assert (code, report["ok"], report["marketplace"], report["receipts"]) == (0, True, None, None)
    assert report["devices"][0]["key_chain"] == [
        {"key": device.device_id, "seq": 0, "vouched_by": None, "received_at": None}
    ]
    assert report["contract_names"] == {"1": {"title": "My own project", "client": "Me"}}
    assert independent_verifier.verify(bundle)["receipted"] is None
    assert main(["verify", str(bundle)]) == 0
    text = capsys.readouterr().out
    assert (
        f"  Key {device.device_id[:12]} (its key record is seq 0): self-issued: the bundle "
        "carries no marketplace's receipt of its key record."
    ) in text
    assert "vouched for by" not in text
    assert (
        'Contract 1 "My own project" for Me (as the bundle\'s manifest states; not signed).' in text
    )
    device.close()


def test_verify_says_the_marketplace_vouched_for_each_key_of_a_synced_device(
    server: Server, tmp_path: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The device enrolled and changed keys the week before: the bundle of this week carries the
    receipts of both key records (the genesis only in keys.jsonl), and names the contract."""
    server.set_time(at(8, 0, day=16))
    parties = make_parties(server, tmp_path, now=at(8, 0, day=16))
    device = parties.device
    device.track(parties.local, "Last week", at(9, 0, day=18), at(9, 10, day=18))
    client, key = sign_in(parties)
    sync(parties, client)
    old, new = device.signer.rotate()
    track_week(parties)
    sync(parties, client)
    bundle = tmp_path / "week.zip"
    export(device, bundle, capsys)
    assert [r.seq for r in device.chain() if r.type == "key"] == [0, 2]
    assert read_lines(bundle)[0]["record"]["seq"] == 2  # the rotation: the stretch's first
    assert {r["receipt"]["seq"] for r in receipt_lines(bundle)} >= {0, 2}

    code, report = verify_json(bundle, capsys)
    assert code == 0, report["failures"]
    (summary,) = report["devices"]
    assert summary["key_chain"] == [
        {
            "key": old.key_id,
            "seq": 0,
            "vouched_by": key.key_id,
            "received_at": _received(device, 0),
        },
        {
            "key": new.key_id,
            "seq": 2,
            "vouched_by": key.key_id,
            "received_at": _received(device, 2),
        },
    ]
    contract = parties.contract_id
    assert report["contract_names"] == {contract: {"title": "Website", "client": "Client"}}
    assert independent_verifier.verify(bundle)["vouched"] == [
        (device.device_id, 0),
        (device.device_id, 2),
    ]

    assert main(["verify", str(bundle)]) == 0
    text = capsys.readouterr().out
    assert (
        f'Contract {contract} "Website" for Client (as the bundle\'s manifest states; not signed).'
    ) in text
    assert (
        f"  Key {old.key_id[:12]} (its key record is seq 0): vouched for by marketplace "
        f"{key.key_id[:16]}, which received it when the device enrolled, at "
        f"{_received(device, 0)}."
    ) in text
    assert (
        f"  Key {new.key_id[:12]} (its key record is seq 2): vouched for by marketplace "
        f"{key.key_id[:16]}, which received it when the device changed keys"
    ) in text
    assert "not to who typed" in text and "self-issued" not in text

    # A bundle exported before key records' receipts travelled: it verifies, and the genesis's
    # key shows as self-issued, since the bundle carries nothing that vouches for it.
    older = rewrite(
        bundle,
        tmp_path / "older.zip",
        files={
            "receipts.jsonl": "".join(
                json.dumps(r) + "\n" for r in receipt_lines(bundle) if r["receipt"]["seq"] != 0
            ).encode()
        },
    )
    code, report = verify_json(older, capsys)
    assert code == 0, report["failures"]
    assert [k["vouched_by"] for k in report["devices"][0]["key_chain"]] == [None, key.key_id]
    device.close()


def _received(device: RecordingDevice, seq: int) -> str:
    (receipt,) = Outbox(device.store).receipts_at(device.device_id, [seq])
    return receipt.received_at
