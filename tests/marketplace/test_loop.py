"""The whole loop on the real server: a client offers a contract, the freelancer accepts it,
enrolls a device and uploads a week signed by the real signer; the client reads the week, and
its bundle verifies with `verify`, receipts included, naming the contract and the key the
marketplace vouches for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from diary.records import AmendmentKind
from tests.conftest import START
from tests.marketplace.conftest import Parties
from tests.marketplace.server import ROOT
from tests.tracker.helpers import at

WEEK = "2026-W48"


def record_week(parties: Parties) -> None:
    device = parties.device
    device.track(parties.local, "Checkout page", START, at(10, 40))
    device.track(parties.local, "Tax rules", at(11, 0), at(11, 25))
    device.track(parties.local, "Invoices", at(9, 0, day=26), at(9, 30, day=26))
    segments = device.store.segments_between(at(10, 0), at(11, 0), parties.local)
    device.clock.advance(600)
    device.store.add_amendment(segments[1].id, AmendmentKind.MEMO, memo="Checkout page: totals")
    device.store.add_amendment(
        segments[2].id, AmendmentKind.DELETE_SEGMENT, reason="a private call"
    )
    device.signer.sign_pending()
    parties.server.set_time(device.clock.now())


def test_a_week_goes_from_the_device_to_the_client_and_verifies(
    parties: Parties, tmp_path: Path
) -> None:
    record_week(parties)
    lines = parties.device.entries()
    receipts = parties.upload(lines, batch=7)
    assert len(receipts) == len(lines)
    assert [r["receipt"]["seq"] for r in receipts] == [line["record"]["seq"] for line in lines]
    assert parties.upload_screenshots() > 0

    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["state"] == "open"
    device_seconds = parties.device.week_seconds(parties.local, START)
    assert device_seconds == 393 + 600 + 600 + 1500 + 1800  # the deleted segment does not count
    assert week["billable_seconds"] == device_seconds
    assert {d["day"]: d["billable_seconds"] for d in week["days"]} == {
        "2026-11-25": 393 + 600 + 600 + 1500,
        "2026-11-26": 1800,
    }
    assert [s["state"] for s in week["segments"]].count("deleted") == 1
    freelancer_view = parties.freelancer.ok(
        "GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}"
    )
    assert freelancer_view["billable_seconds"] == device_seconds

    bundle = tmp_path / "week.zip"
    answer = parties.client.call("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    bundle.write_bytes(answer.content)
    verified = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "verify", str(bundle), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["ok"] is True
    total = sum(
        row["seconds"] for row in verdict["hours"] if row["contract"] == parties.contract_id
    )
    assert total == device_seconds
    # The contract as the marketplace names it, and the device's key, which it vouches for.
    client = parties.contract["client"]["name"]
    assert verdict["contract_names"] == {
        parties.contract_id: {"title": "Website", "client": client}
    }
    (device,) = verdict["devices"]
    assert [(k["key"], k["seq"], k["vouched_by"]) for k in device["key_chain"]] == [
        (parties.device.device_id, 0, verdict["marketplace"])
    ]


def test_sending_the_same_batches_again_changes_nothing(parties: Parties) -> None:
    record_week(parties)
    lines = parties.device.entries()
    first = parties.upload(lines, batch=5)
    parties.server.set_time(at(18, 0, day=26))  # a retry, much later
    again = parties.freelancer.ok("POST", "/v1/records", json={"records": lines})
    assert again["accepted"] == 0 and again["already_held"] == len(lines)
    assert again["receipts"] == first
    genesis = parties.freelancer.ok(
        "POST", "/v1/devices", 200, json={"genesis": parties.device.genesis()}
    )
    assert genesis["head_seq"] == lines[-1]["record"]["seq"]
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["billable_seconds"] == parties.device.week_seconds(parties.local, START)
