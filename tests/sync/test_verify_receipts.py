"""verify and a marketplace's receipts: which key signed them, how many records they cover, and
the receipts that do not fit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.bundles import VERIFY_FAILED
from cli.main import main
from diary.canonical import canonical
from diary.entries import Entry, read_entry
from diary.receipts import MarketplaceKey, receipt_fields
from diary.times import parse_timestamp
from sync.keys import MemoryVault
from tests.diary import independent_verifier
from tests.sync.diary_week import WeekDiary, record_week
from tests.sync.screens import PaintedScreen
from tests.sync.tampering import Lines, read_lines, rewrite

#: The marketplace received each record a minute after the device signed it.
DELAY = timedelta(minutes=1)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeekDiary]:
    diary = record_week(tmp_path_factory.mktemp("week"), PaintedScreen(), MemoryVault())
    yield diary
    diary.store.close()


def _key(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest())


def _public(key: Ed25519PrivateKey) -> MarketplaceKey:
    return MarketplaceKey.from_public(key.public_key().public_bytes_raw())


def _receipt(line: dict[str, Any], key: Ed25519PrivateKey) -> str:
    entry = read_entry(line)
    assert isinstance(entry, Entry)
    fields = receipt_fields(
        _public(key).key_id, entry, parse_timestamp(entry.record["signed_at"]) + DELAY
    )
    return json.dumps({"receipt": fields, "signature": key.sign(canonical(fields)).hex()})


def _with_receipts(
    bundle: Path, target: Path, receipts: list[str], key: Ed25519PrivateKey | None
) -> Path:
    """The bundle as a marketplace sends it: its receipts, and its key (None: left out)."""
    files: dict[str, bytes | None] = {
        "receipts.jsonl": "".join(line + "\n" for line in receipts).encode()
    }
    if key is not None:
        files["marketplace.json"] = json.dumps(_public(key).to_json()).encode()
    return rewrite(bundle, target, files=files)


def _last_received(lines: Lines) -> str:
    last = max(parse_timestamp(line["record"]["signed_at"]) for line in lines)
    return f"{last + DELAY:%Y-%m-%dT%H:%M:%SZ}"


def test_verify_says_which_marketplace_received_how_many_records(
    week: WeekDiary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market = _key("marketplace")
    lines = read_lines(week.everything)
    receipts = [_receipt(line, market) for line in lines]
    bundle = _with_receipts(week.everything, tmp_path / "received.zip", receipts, market)
    key_id = _public(market).key_id
    assert main(["verify", str(bundle)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Everything verifies: 10 records, 5 screenshots.")
    assert (
        f"Receipts: 10 of 10 records received by marketplace {key_id[:16]}, the last at "
        f"{_last_received(lines)}. Segments reached it 1 min after they ended."
    ) in text  # each was signed as it ended, and received a minute after its signing
    assert main(["verify", str(bundle), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["marketplace"], report["receipts"]) == (True, key_id, 10)
    assert report["last_received"] == _last_received(lines)
    lags = report["receipt_lags"]
    assert len(lags) == sum(1 for line in lines if line["record"]["type"] == "segment")
    for lag in lags:  # each segment's record is received a minute after it was signed
        ended, received = parse_timestamp(lag["end"]), parse_timestamp(lag["received_at"])
        assert lag["lag_seconds"] == (received - ended).total_seconds() >= 60
    assert independent_verifier.verify(bundle)["ok"]
    # A device's own bundle carries no receipts, and says nothing of them.
    assert main(["verify", str(week.everything)]) == 0
    assert "Receipts" not in capsys.readouterr().out
    assert main(["verify", str(week.everything), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["marketplace"], report["receipts"], report["last_received"]) == (None,) * 3


def test_a_receipt_another_key_signed_is_a_failure(
    week: WeekDiary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market = _key("marketplace")
    lines = read_lines(week.everything)
    receipts = [_receipt(line, market) for line in lines]
    receipts[3] = _receipt(lines[3], _key("someone else"))
    bundle = _with_receipts(week.everything, tmp_path / "forged.zip", receipts, market)
    assert main(["verify", str(bundle)]) == VERIFY_FAILED
    text = capsys.readouterr().out
    key_id = _public(market).key_id
    assert f"Receipts: 9 of 10 records received by marketplace {key_id[:16]}" in text
    assert (
        f"seq 3 [receipt]: The receipt for seq 3 is not signed by the bundle's marketplace key {key_id[:16]}."
        in text
    )
    assert main(["verify", str(bundle), "--json"]) == VERIFY_FAILED
    report = json.loads(capsys.readouterr().out)
    assert report["receipts"] == 9
    assert [(f["code"], f["seq"]) for f in report["failures"]] == [("receipt", 3)]


def test_a_receipt_of_a_record_cut_off_the_end_is_a_failure(
    week: WeekDiary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market = _key("marketplace")
    lines = read_lines(week.everything)
    receipts = [_receipt(line, market) for line in lines]
    received = _with_receipts(week.everything, tmp_path / "received.zip", receipts, market)

    def head_before_last(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest["devices"][0]["head"] = {
            "seq": lines[-2]["record"]["seq"],
            "hash": lines[-2]["hash"],
        }
        return manifest

    cut = rewrite(
        received, tmp_path / "cut.zip", lines=lambda ls: ls[:-1], manifest=head_before_last
    )
    assert main(["verify", str(cut), "--json"]) == VERIFY_FAILED
    report = json.loads(capsys.readouterr().out)
    head = lines[-2]["record"]["seq"]
    assert ("truncated", head) in {(f["code"], f["seq"]) for f in report["failures"]}
    assert report["receipts"] == 9
    assert not independent_verifier.verify(cut)["ok"]


def test_receipts_without_the_marketplace_key_are_refused(
    week: WeekDiary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market = _key("marketplace")
    receipts = [_receipt(line, market) for line in read_lines(week.everything)]
    bundle = _with_receipts(week.everything, tmp_path / "keyless.zip", receipts, None)
    assert main(["verify", str(bundle)]) == 2
    assert "holds receipts but not the key of the marketplace" in capsys.readouterr().err
