"""The billing week on the real server's clock: open, in review at Monday 12:00 UTC with the
amount in escrow, approved by the client or at the deadline, released; disputed segments held;
the weekly limit and its changes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from diary.rules import amount_cents
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.server import Server
from tests.tracker.helpers import at

WEEK = "2026-W48"
LOCK = at(12, 0, day=30)  # Monday 12:00 UTC after the week
DEADLINE = datetime.fromisoformat("2026-12-05T00:00:00+00:00")  # the end of Friday 23:59:59
RELEASE = datetime.fromisoformat("2026-12-09T00:00:00+00:00")  # the Wednesday after


def worked(parties: Parties) -> None:
    """10:10-11:10 and 14:00-14:30 on Wednesday, uploaded with their screenshots."""
    parties.device.track(parties.local, "Checkout page", at(10, 10), at(11, 10))
    parties.device.track(parties.local, "Tax rules", at(14, 0), at(14, 30))
    parties.server.set_time(parties.device.clock.now())
    parties.upload(parties.device.entries())
    parties.upload_screenshots()


def week(api: Any, parties: Parties) -> dict[str, Any]:
    found: dict[str, Any] = api.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    return found


def money(api: Any) -> tuple[int, int]:
    me = api.ok("GET", "/v1/me")
    return me["released_cents"], me["escrow_cents"]


def test_a_week_is_reviewed_approved_by_the_client_and_released(
    server: Server, tmp_path: Path
) -> None:
    parties = make_parties(server, tmp_path, hourly_rate_cents=4999)
    worked(parties)
    assert week(parties.client, parties)["state"] == "open"
    parties.client.refused(
        "POST", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/approve", "not-in-review"
    )
    server.set_time(LOCK)
    review = week(parties.client, parties)
    amount = amount_cents(5400, 4999)
    assert amount == 7499  # 1.5 h x 49.99, rounded half up from 7498.5
    assert (review["state"], review["billable_seconds"], review["amount_cents"]) == (
        "in-review",
        5400,
        amount,
    )
    assert review["escrow_cents"] == amount and review["released_cents"] == 0
    assert money(parties.client) == (0, -amount)
    parties.freelancer.refused(
        "POST", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/approve", "wrong-role"
    )
    approved = parties.client.ok(
        "POST", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/approve"
    )
    assert approved["state"] == "approved"
    parties.client.refused(
        "POST", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/approve", "not-in-review"
    )
    server.set_time(RELEASE.replace(hour=0) - (RELEASE - DEADLINE) / 2)
    assert week(parties.freelancer, parties)["state"] == "approved"
    assert money(parties.freelancer) == (0, 0)
    server.set_time(RELEASE)
    released = week(parties.freelancer, parties)
    assert (released["state"], released["released_cents"], released["escrow_cents"]) == (
        "released",
        amount,
        0,
    )
    assert money(parties.freelancer) == (amount, 0)
    assert money(parties.client) == (0, -amount)


def test_a_week_without_an_action_is_approved_at_the_deadline(
    server: Server, tmp_path: Path
) -> None:
    parties = make_parties(server, tmp_path)
    worked(parties)
    server.set_time(DEADLINE.replace(second=0) - (DEADLINE - LOCK) / 100)
    assert week(parties.client, parties)["state"] == "in-review"
    server.set_time(DEADLINE)
    assert week(parties.client, parties)["state"] == "approved"
    server.set_time(RELEASE)
    assert week(parties.client, parties)["state"] == "released"
    assert money(parties.freelancer) == (amount_cents(5400, 4500), 0)


def test_a_partly_disputed_week_holds_exactly_its_unprotected_disputed_amount(
    server: Server, tmp_path: Path
) -> None:
    parties = make_parties(server, tmp_path, hourly_rate_cents=3333)
    device = parties.device
    device.track(parties.local, "Checkout page", at(10, 10), at(11, 0))
    # No key, click, scroll or move in its ten minutes: not protected (no active minute).
    device.track(parties.local, "Reading", at(11, 0), at(11, 10), pattern=lambda _: (0, 0, 0, 0))
    device.track(parties.local, "Tax rules", at(14, 0), at(14, 30))
    server.set_time(device.clock.now())
    parties.upload(device.entries())
    parties.upload_screenshots()
    server.set_time(LOCK)
    shown = week(parties.client, parties)["segments"]
    segments = [s["segment"] for s in shown]
    assert [s["protected"] for s in shown] == [True] * 5 + [False] + [True] * 3
    assert shown[5]["unprotected"] == ["no-active-minute"]
    disputes = f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/disputes"
    parties.freelancer.refused(
        "POST", disputes, "wrong-role", json={"segments": segments[:1], "reason": "x"}
    )
    parties.client.refused(
        "POST", disputes, "segment-not-in-week", json={"segments": ["0" * 32], "reason": "x"}
    )
    first = parties.client.ok(
        "POST", disputes, 201, json={"segments": segments[:2], "reason": "Not my project"}
    )
    assert first["amount_cents"] == amount_cents(1200, 3333)
    # Both protected: they stay payable, and the week holds nothing for them.
    assert first["protected_segments"] == segments[:2] and first["week"]["held_cents"] == 0
    parties.client.refused(
        "POST", disputes, "segment-not-in-week", json={"segments": segments[1:2], "reason": "again"}
    )
    second = parties.client.ok(
        "POST", disputes, 201, json={"segments": segments[5:6], "reason": "Idle"}
    )
    held = amount_cents(600, 3333)  # the unprotected segment only
    total = amount_cents(5400, 3333)
    assert (second["week"]["state"], second["week"]["held_cents"]) == ("disputed", held)
    assert [s["dispute"] is not None for s in second["week"]["segments"]].count(True) == 3
    # Approving the rest of a disputed week: what the disputes hold stays held, the rest is
    # released on the release day, and nothing more of the week can be disputed.
    approve = f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/approve"
    rest = parties.client.ok("POST", approve)
    assert (rest["state"], rest["held_cents"], rest["rest_approved"]) == ("disputed", held, True)
    parties.client.refused("POST", approve, "not-in-review")  # approved already
    parties.client.refused(
        "POST", disputes, "not-in-review", json={"segments": segments[6:7], "reason": "more"}
    )
    server.set_time(DEADLINE)
    parties.client.refused(
        "POST", disputes, "not-in-review", json={"segments": segments[6:7], "reason": "late"}
    )
    server.set_time(RELEASE)
    after = week(parties.freelancer, parties)
    assert after["state"] == "disputed"
    assert (after["released_cents"], after["held_cents"], after["escrow_cents"]) == (
        total - held,
        held,
        held,
    )
    assert money(parties.freelancer) == (total - held, 0)


def test_time_past_the_weekly_limit_is_over_limit_and_never_billed(
    server: Server, tmp_path: Path
) -> None:
    parties = make_parties(server, tmp_path, weekly_limit_hours=1)
    worked(parties)
    open_week = week(parties.client, parties)
    assert (open_week["billable_seconds"], open_week["over_limit_seconds"]) == (3600, 1800)
    states = [s["state"] for s in open_week["segments"]]
    assert states == ["tracked"] * 6 + ["over-limit"] * 3
    server.set_time(LOCK)
    assert week(parties.client, parties)["amount_cents"] == 4500


def test_a_higher_limit_applies_at_once_and_a_lower_one_next_monday(
    server: Server, tmp_path: Path
) -> None:
    parties = make_parties(server, tmp_path, weekly_limit_hours=1)
    path = f"/v1/contracts/{parties.contract_id}/weekly-limit"
    raised = parties.client.ok("PUT", path, json={"weekly_limit_hours": 20})
    assert (raised["weekly_limit_hours"], raised["next_weekly_limit_hours"]) == (20, 20)
    lowered = parties.client.ok("PUT", path, json={"weekly_limit_hours": 5})
    assert (lowered["weekly_limit_hours"], lowered["next_weekly_limit_hours"]) == (20, 5)
    parties.freelancer.refused("PUT", path, "wrong-role", json={"weekly_limit_hours": 100})
    worked(parties)
    assert week(parties.client, parties)["over_limit_seconds"] == 0
    server.set_time(at(9, 0, day=30))
    contract = parties.freelancer.ok("GET", f"/v1/contracts/{parties.contract_id}")
    assert contract["weekly_limit_hours"] == 5
    unlimited = parties.client.ok("PUT", path, json={"weekly_limit_hours": None})
    assert (unlimited["weekly_limit_hours"], unlimited["next_weekly_limit_hours"]) == (None, None)
