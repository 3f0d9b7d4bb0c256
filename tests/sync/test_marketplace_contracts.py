"""A device's contract linked to a marketplace's: its records name the marketplace's id, its
export holds them, and a contract that signed under its number keeps that one name."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from diary.bundle import verify_bundle
from sync.export import export_bundle
from tests.conftest import START
from tests.marketplace.device import RecordingDevice
from tests.tracker.helpers import at

MARKETPLACE_ID = "m-" + "ab" * 16


def test_a_linked_contracts_week_exports_under_the_marketplaces_id(tmp_path: Path) -> None:
    device = RecordingDevice(tmp_path / "device", START)
    local = device.contract(MARKETPLACE_ID)
    device.track(local, "Checkout page", at(10, 10), at(10, 30))
    out = tmp_path / "week.zip"
    summary = export_bundle(
        device.store,
        device.ledger,
        device.data_dir,
        at(0, 0, day=23),
        local,
        out,
        device.clock.now(),
        "tests",
    )
    assert summary.in_scope == 2 and summary.screenshots >= 1
    verdict = verify_bundle(out)
    assert verdict.ok and verdict.seconds == {(MARKETPLACE_ID, "2026-11-25"): 1200}
    device.close()


def test_a_contract_with_signed_records_is_not_linked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = RecordingDevice(tmp_path / "device", START)
    own = device.local_contract()
    device.track(own, "Before the marketplace", at(10, 10), at(10, 20))
    code = main(["--data-dir", str(device.data_dir), "contract", "link", str(own), MARKETPLACE_ID])
    assert code == 2
    assert "has signed records under 1 already" in capsys.readouterr().err
    assert device.store.contract(own).marketplace_id is None
    device.close()
