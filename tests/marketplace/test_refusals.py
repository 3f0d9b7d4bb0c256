"""Every refusal of the real server, each with its code, and nothing of the refused record
kept: the device's head, the week and the receipts are as before."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from diary.canonical import canonical, sha256_hex
from sync.keys import DeviceKey, generate_key
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.device import RecordingDevice
from tests.marketplace.server import Server
from tests.tracker.helpers import at

WEEK = "2026-W48"


def three_segments(parties: Parties) -> list[dict[str, Any]]:
    parties.device.track(parties.local, "Checkout page", at(10, 0), at(10, 30))
    parties.server.set_time(parties.device.clock.now())
    return parties.device.entries()


def resign(line: dict[str, Any], key: DeviceKey, **changes: Any) -> dict[str, Any]:
    """The line with its record changed and signed again by ``key`` (details kept)."""
    changed = copy.deepcopy(line)
    changed["record"].update(changes)
    changed["record"]["key"] = key.key_id
    changed["signature"] = key.sign(canonical(changed["record"])).hex()
    return changed


def state(parties: Parties) -> tuple[Any, Any]:
    """What the server holds: the device's head and the client's week."""
    devices = parties.freelancer.ok("GET", "/v1/devices")
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    return devices, week


def refuse(
    parties: Parties, lines: list[dict[str, Any]], code: str, accepted: int = 0
) -> dict[str, Any]:
    """Upload ``lines``: refused with ``code`` after ``accepted`` records, and nothing of the
    refused record kept."""
    before = parties.freelancer.ok("GET", "/v1/devices")[0]["head_seq"]
    problem = parties.freelancer.refused("POST", "/v1/records", code, json={"records": lines})
    assert problem.get("accepted", 0) == accepted, problem
    after = parties.freelancer.ok("GET", "/v1/devices")[0]["head_seq"]
    assert after == before + accepted
    assert len(problem.get("receipts", [])) == accepted + problem.get("already_held", 0)
    return problem


def test_a_record_changed_after_signing_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    changed = copy.deepcopy(lines)
    changed[2]["record"]["end"] = changed[2]["record"]["start"]  # no time at all, says who?
    before = state(parties)
    problem = refuse(parties, changed, "signature", accepted=2)
    assert problem["index"] == 2
    parties.freelancer.ok("POST", "/v1/records", json={"records": lines})  # the real one still fits
    assert state(parties) != before


def test_a_bad_signature_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    lines[0]["signature"] = ("0" if lines[0]["signature"][0] != "0" else "1") + lines[0][
        "signature"
    ][1:]
    before = state(parties)
    refuse(parties, lines, "signature")
    assert state(parties) == before


def test_changed_details_are_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    lines[1]["details"]["memo"] = "Something else"
    refuse(parties, lines, "details", accepted=1)


def test_a_key_that_is_not_enrolled_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    stranger = generate_key(parties.device.device_id)
    refuse(parties, [resign(lines[0], stranger)], "unknown-key")


def test_another_freelancers_key_is_refused(
    server: Server, parties: Parties, tmp_path: Path
) -> None:
    other = make_parties(server, tmp_path, "b")
    theirs = other.device.signer.signing_key()
    lines = three_segments(parties)
    refuse(parties, [resign(lines[0], theirs)], "unknown-key")
    # Nor may they upload this freelancer's records as theirs.
    other.freelancer.refused("POST", "/v1/records", "device-not-enrolled", json={"records": lines})
    other.freelancer.refused(
        "POST", "/v1/devices", "device-taken", json={"genesis": parties.device.genesis()}
    )


def test_a_record_replayed_for_another_contract_is_refused(
    server: Server, parties: Parties
) -> None:
    second = parties.client.ok(
        "POST",
        "/v1/contracts",
        201,
        json={
            "freelancer": parties.freelancer_email,
            "title": "Other",
            "hourly_rate_cents": 9000,
        },
    )
    parties.freelancer.ok("POST", f"/v1/contracts/{second['id']}/accept")
    lines = three_segments(parties)
    replayed = copy.deepcopy(lines[0])
    replayed["record"]["contract"] = second["id"]
    refuse(parties, [replayed], "signature")


def test_a_gap_in_the_chain_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    refuse(parties, [lines[0], lines[2]], "gap", accepted=1)


def test_a_fork_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    parties.upload(lines)
    key = parties.device.signer.signing_key()
    fork = resign(lines[-1], key, signed_at=lines[-1]["record"]["signed_at"], id="f" * 32)
    problem = refuse(parties, [fork], "fork")
    assert problem["index"] == 0


def test_time_overlapping_another_devices_segment_is_refused(
    parties: Parties, tmp_path: Path
) -> None:
    lines = three_segments(parties)
    parties.upload(lines)
    laptop = RecordingDevice(tmp_path / "laptop", at(10, 15), seed=5)
    local = laptop.contract(parties.contract_id)
    parties.freelancer.ok("POST", "/v1/devices", 201, json={"genesis": laptop.genesis()})
    laptop.track(local, "Same time, other computer", at(10, 15), at(10, 25))
    before = state(parties)
    problem = parties.freelancer.refused(
        "POST", "/v1/records", "overlap", json={"records": laptop.entries()}
    )
    assert problem["accepted"] == 0
    assert state(parties)[1] == before[1]
    laptop.close()


def test_time_in_the_future_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    parties.server.set_time(parties.device.clock.now() - timedelta(minutes=30))
    refuse(parties, lines, "future")


def test_a_contract_not_accepted_is_refused(server: Server, parties: Parties) -> None:
    offered = parties.client.ok(
        "POST",
        "/v1/contracts",
        201,
        json={
            "freelancer": parties.freelancer_email,
            "title": "Not yet",
            "hourly_rate_cents": 9000,
        },
    )
    local = parties.device.contract(offered["id"], title="Not yet")
    parties.device.track(local, "Early start", at(10, 0), at(10, 10))
    parties.server.set_time(parties.device.clock.now())
    refuse(parties, parties.device.entries(), "contract-not-accepted")


def test_manual_time_on_a_contract_without_it_is_refused(server: Server, tmp_path: Path) -> None:
    from tracker.edits import add_manual_time

    parties = make_parties(server, tmp_path, "m", manual_time_allowed=False)
    add_manual_time(
        parties.device.store, parties.local, at(9, 0), at(9, 10), "Call with the client", START
    )
    parties.device.signer.sign_pending()
    refuse(parties, parties.device.entries(), "manual-time-not-allowed")


def test_a_locked_week_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    parties.server.set_time(at(12, 0, day=30))  # Monday 12:00 UTC after the week
    problem = refuse(parties, lines, "week-locked")
    assert "2026-11-23" in problem["detail"]
    assert (
        parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")[
            "billable_seconds"
        ]
        == 0
    )


def test_records_just_before_the_lock_are_accepted(parties: Parties) -> None:
    lines = three_segments(parties)
    parties.server.set_time(at(11, 59, 59, day=30))
    assert parties.freelancer.ok("POST", "/v1/records", json={"records": lines})["accepted"] == 3


def test_screenshots_are_refused_unless_named_and_exact(parties: Parties) -> None:
    lines = three_segments(parties)
    shots = parties.device.screenshots()
    sha256, path = next(iter(shots.items()))
    parties.freelancer.refused(
        "PUT", f"/v1/screenshots/{sha256}", "screenshot-not-named", data=path.read_bytes()
    )
    parties.upload(lines)
    wrong = path.read_bytes() + b"\0"
    parties.freelancer.refused("PUT", f"/v1/screenshots/{sha256}", "screenshot-hash", data=wrong)
    unnamed = b"\xff\xd8 not a screenshot of any record"
    parties.freelancer.refused(
        "PUT", f"/v1/screenshots/{sha256_hex(unnamed)}", "screenshot-not-named", data=unnamed
    )
    assert parties.freelancer.ok("PUT", f"/v1/screenshots/{sha256}", 201, data=path.read_bytes())[
        "stored"
    ]
    assert not parties.freelancer.ok(
        "PUT", f"/v1/screenshots/{sha256}", 200, data=path.read_bytes()
    )["stored"]
    parties.client.refused("PUT", f"/v1/screenshots/{sha256}", "wrong-role", data=path.read_bytes())


def test_a_screenshot_past_the_size_limit_is_refused(parties: Parties) -> None:
    huge = b"\0" * (16 * 1024 * 1024 + 1)
    parties.freelancer.refused(
        "PUT", f"/v1/screenshots/{sha256_hex(huge)}", "screenshot-too-large", data=huge
    )


def test_a_wrong_or_expired_token_is_refused(parties: Parties) -> None:
    api = parties.server.api("not-a-token")
    api.refused("GET", "/v1/me", "token-unknown")
    parties.server.api().refused("GET", "/v1/me", "unauthorized")
    parties.server.set_time(START + timedelta(days=30, seconds=1))
    problem = parties.freelancer.refused("GET", "/v1/me", "token-expired")
    assert "sign in again" in problem["detail"]


def test_ten_failed_sign_ins_make_the_next_wait_whatever_its_password(server: Server) -> None:
    anyone = server.api()
    anyone.sign_up("guessed@example.com", "freelancer", "the right password")
    anyone.sign_up("other@example.com", "freelancer", "the right password")
    wrong = {"email": "guessed@example.com", "password": "a wrong guess"}
    for minute in range(10):
        server.set_time(START + timedelta(minutes=minute))
        anyone.refused("POST", "/v1/sessions", "login-failed", json=wrong)
    right = {"email": "Guessed@Example.com ", "password": "the right password"}
    answer = anyone.call("POST", "/v1/sessions", json=right)
    assert answer.status_code == 429 and answer.json()["code"] == "too-many-sign-ins", answer.text
    # The oldest failure, at START, leaves the 15-minute window at 10:15: 6 minutes from 10:09.
    assert answer.headers["Retry-After"] == "360"
    assert answer.json()["detail"] == (
        "Sign-ins with guessed@example.com failed 10 times in the last 15 minutes: try again in "
        "6 minutes."
    )
    other = anyone.ok(
        "POST",
        "/v1/sessions",
        201,
        json={"email": "other@example.com", "password": "the right password"},
    )
    assert other["account"]["email"] == "other@example.com"  # another email is not held up
    server.set_time(START + timedelta(minutes=15))  # one failure is out of the window: one try
    anyone.refused("POST", "/v1/sessions", "login-failed", json=wrong)
    anyone.refused("POST", "/v1/sessions", "too-many-sign-ins", json=right)
    server.set_time(START + timedelta(minutes=30))
    anyone.ok("POST", "/v1/sessions", 201, json=right)
    for _ in range(9):  # a sign-in that works cleared the count
        anyone.refused("POST", "/v1/sessions", "login-failed", json=wrong)
    anyone.ok("POST", "/v1/sessions", 201, json=right)


def test_logout_revokes_the_token(parties: Parties) -> None:
    parties.freelancer.ok("DELETE", "/v1/sessions/current", 204)
    parties.freelancer.refused("GET", "/v1/me", "token-unknown")


def test_another_users_contract_is_not_found(
    server: Server, parties: Parties, tmp_path: Path
) -> None:
    other = make_parties(server, tmp_path, "c")
    for path in (
        f"/v1/contracts/{parties.contract_id}",
        f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}",
        f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle",
    ):
        other.client.refused("GET", path, "not-found")
        other.freelancer.refused("GET", path, "not-found")
    other.freelancer.refused("POST", f"/v1/contracts/{parties.contract_id}/accept", "not-found")
    assert [c["id"] for c in other.client.ok("GET", "/v1/contracts")] == [other.contract_id]


def test_a_batch_over_the_size_limit_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    parties.freelancer.refused(
        "POST", "/v1/records", "batch-too-large", json={"records": lines * 167}
    )
    assert parties.freelancer.ok("GET", "/v1/devices")[0]["head_seq"] == 0


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"records": [1.5]}', b'{"records": [], "records": []}', b"\xff\xfe"],
    ids=["cut", "fraction", "duplicate-member", "not-utf8"],
)
def test_malformed_json_is_refused(parties: Parties, body: bytes) -> None:
    parties.freelancer.refused(
        "POST",
        "/v1/records",
        "malformed-json",
        data=body,
        headers={"Content-Type": "application/json"},
    )


def test_a_record_that_is_no_record_is_refused(parties: Parties) -> None:
    parties.freelancer.refused(
        "POST", "/v1/records", "format", json={"records": [{"record": {}, "signature": "00"}]}
    )
    parties.freelancer.refused("POST", "/v1/records", "invalid-request", json={"entries": []})


def test_a_segment_recorded_twice_is_refused(parties: Parties) -> None:
    lines = three_segments(parties)
    parties.upload(lines)
    key = parties.device.signer.signing_key()
    head = parties.device.chain()[-1]
    again = resign(
        lines[0],
        key,
        seq=head.seq + 1,
        prev=head.hash,
        id="e" * 32,
        signed_at=lines[-1]["record"]["signed_at"],
    )
    refuse(parties, [again], "duplicate")


def test_a_body_larger_than_any_request_is_refused_before_it_is_read(parties: Parties) -> None:
    huge = b'{"email": "' + b"a" * 100_000 + b'", "password": "x"}'
    problem = parties.server.api().refused(
        "POST", "/v1/sessions", "too-large", data=huge, headers={"Content-Type": "application/json"}
    )
    assert "65,536 bytes" in problem["detail"]
    records = b'{"records": [' + b" " * (40 * 1024 * 1024) + b"]}"
    parties.server.api().refused("POST", "/v1/records", "unauthorized", data=records)
    parties.freelancer.refused("POST", "/v1/records", "too-large", data=records)


def test_weeks_before_the_contract_do_not_exist(parties: Parties) -> None:
    for path in ("", "/bundle"):
        problem = parties.client.refused(
            "GET", f"/v1/contracts/{parties.contract_id}/weeks/2026-W47{path}", "not-found"
        )
        assert "began in week 2026-W48" in problem["detail"]
    parties.client.refused(
        "POST", f"/v1/contracts/{parties.contract_id}/weeks/2020-W01/approve", "not-found"
    )
    problem = parties.client.refused(
        "GET", f"/v1/contracts/{parties.contract_id}/weeks/2026-W99", "not-found"
    )
    assert "There is no billing week '2026-W99'" in problem["detail"]


def test_an_invalid_request_says_which_field_and_why(server: Server) -> None:
    api = server.api()
    bad = {
        "email": "not-an-email",
        "password": "correct horse battery",
        "name": "A",
        "role": "client",
    }
    problem = api.refused("POST", "/v1/accounts", "invalid-request", json=bad)
    assert problem["detail"] == "email is not an email address like ana@example.com"
    problem = api.refused("POST", "/v1/accounts", "invalid-request", data="email=a@b")
    assert "Content-Type: application/json" in problem["detail"]
    problem = api.refused(
        "POST", "/v1/accounts", "invalid-request", json={**bad, "email": "a@b.c", "x": 1}
    )
    assert problem["detail"] == "x is not a field this endpoint takes"
