"""Chains on the real server beyond one device's plain week: key rotation, a device's own
contracts, several devices, concurrent uploads, and the demo accounts."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path
from typing import Any

from diary.bundle import ContractName, verify_bundle
from diary.canonical import parse_json
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.device import RecordingDevice
from tests.marketplace.server import Server, running
from tests.tracker.helpers import at

WEEK = "2026-W48"


def bundle_lines(parties: Parties, tmp_path: Path) -> list[dict[str, Any]]:
    answer = parties.client.call("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle")
    path = tmp_path / "week.zip"
    path.write_bytes(answer.content)
    with zipfile.ZipFile(path) as bundle:
        return [parse_json(line) for line in bundle.read("records.jsonl").splitlines()]


def test_a_rotated_key_signs_on_after_its_key_record(parties: Parties) -> None:
    device = parties.device
    device.track(parties.local, "Before", at(10, 10), at(10, 20))
    old, new = device.signer.rotate()
    device.track(parties.local, "After", at(10, 30), at(10, 40))
    parties.server.set_time(device.clock.now())
    lines = device.entries()
    assert [line["record"]["type"] for line in lines] == ["segment", "key", "segment"]
    receipts = parties.upload(lines)
    assert len(receipts) == 3
    assert lines[2]["record"]["key"] == new.key_id != old.key_id
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["billable_seconds"] == 1200


def test_the_weeks_bundle_vouches_for_keys_introduced_before_the_week(
    server: Server, tmp_path: Path
) -> None:
    """The device enrolled, and changed keys, the week before: the week's bundle starts after
    its genesis, and carries the receipts of both key records all the same."""
    server.set_time(at(8, 0, day=16))
    parties = make_parties(server, tmp_path, now=at(8, 0, day=16))
    device = parties.device
    device.track(parties.local, "Last week", at(9, 0, day=18), at(9, 10, day=18))
    server.set_time(device.clock.now())
    parties.upload(device.entries())
    old, new = device.signer.rotate()
    device.track(parties.local, "This week", at(10, 10), at(10, 20))
    server.set_time(device.clock.now())
    parties.upload(device.entries(from_seq=2))
    parties.upload_screenshots()
    answer = parties.client.call("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle")
    path = tmp_path / "week.zip"
    path.write_bytes(answer.content)
    verdict = verify_bundle(path)
    assert verdict.ok, verdict.failures
    (summary,) = verdict.devices
    assert summary["first_seq"] == 2  # the rotation: the genesis is in keys.jsonl only
    market = server.api().ok("GET", "/.well-known/workdiary-marketplace")["receipt_key"]["key_id"]
    assert [(k["key"], k["seq"], k["vouched_by"]) for k in summary["key_chain"]] == [
        (old.key_id, 0, market),
        (new.key_id, 2, market),
    ]
    assert verdict.contract_names == {
        parties.contract_id: ContractName("Website", parties.contract["client"]["name"])
    }
    device.close()


def test_a_devices_own_contracts_travel_as_headers_and_never_bill(
    parties: Parties, tmp_path: Path
) -> None:
    device = parties.device
    own = device.local_contract()
    device.track(own, "My own side project", at(10, 10), at(10, 20))
    device.track(parties.local, "Client work", at(10, 30), at(10, 40))
    parties.server.set_time(device.clock.now())
    lines = device.entries()
    assert "details" not in lines[0] and lines[0]["record"]["contract"] == str(own)
    sent_anyway = device.entries(with_details=True, own_details=True)
    assert "details" in sent_anyway[0]
    assert parties.upload(sent_anyway)
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert [s["start"] for s in week["segments"]] == ["2026-11-25T10:30:00Z"]
    held = bundle_lines(parties, tmp_path)
    own_lines = [line for line in held if line["record"].get("contract") == str(own)]
    assert len(own_lines) == 1 and "details" not in own_lines[0]
    # Its time is still the freelancer's: another device may not claim it.
    laptop = RecordingDevice(tmp_path / "laptop", at(10, 12), seed=9)
    local = laptop.contract(parties.contract_id)
    parties.freelancer.ok("POST", "/v1/devices", 201, json={"genesis": laptop.genesis()})
    laptop.track(local, "Same minutes", at(10, 12), at(10, 18))
    parties.freelancer.refused("POST", "/v1/records", "overlap", json={"records": laptop.entries()})
    laptop.close()


def test_two_devices_of_one_freelancer_make_one_week(parties: Parties, tmp_path: Path) -> None:
    parties.device.track(parties.local, "Desktop", at(10, 10), at(10, 30))
    laptop = RecordingDevice(tmp_path / "laptop", at(11, 0), seed=4)
    local = laptop.contract(parties.contract_id)
    parties.server.set_time(at(11, 0))
    parties.freelancer.ok("POST", "/v1/devices", 201, json={"genesis": laptop.genesis()})
    laptop.track(local, "Laptop", at(11, 0), at(11, 20))
    parties.server.set_time(laptop.clock.now())
    parties.upload(parties.device.entries())
    parties.freelancer.ok("POST", "/v1/records", json={"records": laptop.entries()})
    mixed = parties.device.entries()[:1] + laptop.entries()[:1]
    parties.freelancer.refused("POST", "/v1/records", "device", json={"records": mixed})
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["billable_seconds"] == 2400
    assert len({s["device"] for s in week["segments"]}) == 2
    assert len(parties.freelancer.ok("GET", "/v1/devices")) == 2
    laptop.close()


def test_concurrent_uploads_of_one_chain_accept_each_record_once(parties: Parties) -> None:
    parties.device.track(parties.local, "Busy", at(10, 10), at(12, 0))
    parties.server.set_time(parties.device.clock.now())
    lines = parties.device.entries()
    answers: list[Any] = []

    def send() -> None:
        for first in range(0, len(lines), 3):
            answers.append(
                parties.freelancer.call(
                    "POST", "/v1/records", json={"records": lines[first : first + 3]}
                )
            )

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a.status_code == 200 for a in answers), [
        a.text for a in answers if a.status_code != 200
    ]
    assert sum(a.json()["accepted"] for a in answers) == len(lines)
    receipts = {a.json()["receipts"][0]["receipt"]["seq"]: a.json()["receipts"][0] for a in answers}
    assert len(receipts) == len(range(0, len(lines), 3))
    assert parties.freelancer.ok("GET", "/v1/devices")[0]["head_seq"] == len(lines)


def test_the_demo_accounts_sign_in_and_see_their_contract(tmp_path: Path) -> None:
    with running(tmp_path / "demo", START, demo=True) as server:
        output = server.output()
        logins = {
            line.split()[1]: line.split()[3]
            for line in output.splitlines()
            if line.startswith("  ") and "password" in line
        }
        assert set(logins) == {
            "client@demo.workdiary",
            "freelancer@demo.workdiary",
            "mediator@demo.workdiary",
        }
        api = server.api()
        for email, password in logins.items():
            token = api.ok(
                "POST", "/v1/sessions", 201, json={"email": email, "password": password}
            )["token"]
            contracts = Server.api(server, token).ok("GET", "/v1/contracts")
            assert [c["title"] for c in contracts] == (
                [] if email.startswith("mediator") else ["Demo project"]
            )
        server.stop()
        server.start()  # a second start finds the same accounts
        assert logins == {
            line.split()[1]: line.split()[3]
            for line in server.output().splitlines()
            if line.startswith("  ") and "password" in line
        }


def test_a_deleted_screenshot_leaves_the_marketplace_too(parties: Parties) -> None:
    from tracker.edits import delete_screenshot

    device = parties.device
    device.track(parties.local, "Private screen", at(10, 10), at(10, 20), colour=(200, 30, 30))
    device.track(parties.local, "Plain screen", at(10, 20), at(10, 40))
    parties.server.set_time(device.clock.now())
    parties.upload(device.entries())
    parties.upload_screenshots()
    held = parties.server.screenshot_hashes()
    private = device.store.segments_between(at(10, 10), at(10, 20), parties.local)[0]
    shot = device.store.screenshots([private.id])[private.id][0]
    assert shot.sha256 in held
    plain = device.store.segments_between(at(10, 20), at(10, 30), parties.local)[0]
    shared = device.store.screenshots([plain.id])[plain.id][0]
    delete_screenshot(device.store, device.data_dir, shot.id)
    delete_screenshot(device.store, device.data_dir, shared.id)  # the next segment has the same
    device.signer.sign_pending()
    parties.upload(device.entries())
    left = parties.server.screenshot_hashes()
    assert shot.sha256 not in left
    assert shared.sha256 in left  # still named by the 10:30 segment, which counts
    again = parties.freelancer.refused(
        "PUT", f"/v1/screenshots/{shot.sha256}", "screenshot-not-named", data=b"\xff\xd8"
    )
    assert "deleted segments" in again["detail"]
