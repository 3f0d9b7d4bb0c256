"""Disputes to the end, on the real server: the freelancer answers, a mediator pays one held
segment and refunds another, a protected segment stays payable, and the money adds up in
whole cents at every step; actions not theirs to take are refused with their codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from diary.rules import amount_cents
from tests.conftest import START
from tests.marketplace.conftest import make_parties
from tests.marketplace.server import Api, Server, running
from tests.tracker.helpers import at

WEEK = "2026-W48"
LOCK = at(12, 0, day=30)
RATE = 3333
QUIET = lambda _: (0, 0, 0, 0)  # noqa: E731 - no input at all: not protected


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("mediation") / "data", START, demo=True) as found:
        yield found


def _mediator(server: Server) -> Api:
    logins = json.loads((server.data / "demo-logins.json").read_text())["logins"]
    found = next(x for x in logins if x["role"] == "mediator")
    api = Api(server.url)
    session = api.ok(
        "POST", "/v1/sessions", 201, json={"email": found["email"], "password": found["password"]}
    )
    return Api(server.url, session["token"])


def _money(api: Api) -> dict[str, int]:
    me = api.ok("GET", "/v1/me")
    return {k: me[k] for k in ("released_cents", "escrow_cents", "refunded_cents")}


def test_a_dispute_from_the_freelancers_answer_to_the_mediators_decisions(
    server: Server, tmp_path: Path
) -> None:
    server.set_time(START)
    parties = make_parties(server, tmp_path, hourly_rate_cents=RATE)
    device = parties.device
    device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))
    device.track(parties.local, "Reading", at(11, 0), at(11, 30), pattern=QUIET)
    server.set_time(device.clock.now())
    parties.upload(device.entries())
    parties.upload_screenshots()
    server.set_time(LOCK)
    base = f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}"
    week = parties.client.ok("GET", base)
    shown = week["segments"]
    protected = [s["segment"] for s in shown if s["protected"]]
    quiet = [s["segment"] for s in shown if not s["protected"]]
    assert (len(protected), len(quiet)) == (2, 3)
    total = amount_cents(3000, RATE)
    assert week["amount_cents"] == total and week["escrow_cents"] == total
    disputed = parties.client.ok(
        "POST",
        f"{base}/disputes",
        201,
        json={"segments": [protected[0], *quiet[:2]], "reason": "No input at all"},
    )
    assert disputed["protected_segments"] == [protected[0]]
    held = amount_cents(1200, RATE)
    assert disputed["week"]["held_cents"] == held
    path = f"/v1/disputes/{disputed['id']}"

    # The freelancer answers; both sides and a mediator read it.
    parties.freelancer.ok("POST", f"{path}/comments", 201, json={"text": "I was reading specs."})
    mediator = _mediator(server)
    assert [d["id"] for d in mediator.ok("GET", "/v1/disputes")] == [disputed["id"]]
    found = mediator.ok("GET", path)
    assert [c["text"] for c in found["comments"]] == ["I was reading specs."]
    assert [s["protected"] for s in found["segments"]] == [True, False, False]
    # The mediator reads the week and its bundle, as the client does; approves nothing.
    assert mediator.ok("GET", base)["held_cents"] == held
    assert mediator.call("GET", f"{base}/bundle").status_code == 200
    mediator.refused("POST", f"{base}/approve", "wrong-role")

    # Only a mediator decides, each disputed segment once.
    decision = {"segment": quiet[0], "decision": "pay", "reason": "Reading is work"}
    parties.client.refused("POST", f"{path}/decisions", "wrong-role", json=decision)
    parties.freelancer.refused("POST", f"{path}/decisions", "wrong-role", json=decision)
    mediator.refused(
        "POST",
        f"{path}/decisions",
        "segment-not-disputed",
        json={**decision, "segment": quiet[2]},
    )
    first = mediator.ok("POST", f"{path}/decisions", 201, json=decision)
    paid = first["segments"][1]["decision"]["cents"]
    assert paid == amount_cents(600, RATE)
    mediator.refused("POST", f"{path}/decisions", "already-decided", json=decision)
    week = parties.client.ok("GET", base)
    assert (week["held_cents"], week["refunded_cents"]) == (held - paid, 0)

    second = mediator.ok(
        "POST",
        f"{path}/decisions",
        201,
        json={
            "segment": quiet[1],
            "decision": "refund",
            "reason": "No input, no screenshot of work",
        },
    )
    refunded = second["segments"][2]["decision"]["cents"]
    assert paid + refunded == held  # the last decision takes what is left: no cent lost
    # The protected segment stays payable: paying it moves nothing.
    third = mediator.ok(
        "POST",
        f"{path}/decisions",
        201,
        json={"segment": protected[0], "decision": "pay", "reason": "Screenshots show the work"},
    )
    assert third["segments"][0]["decision"]["cents"] == 0 and third["decided"]
    assert mediator.ok("GET", "/v1/disputes") == []
    week = parties.client.ok("GET", base)
    assert (week["held_cents"], week["refunded_cents"]) == (0, refunded)
    assert week["escrow_cents"] == total - refunded
    assert _money(parties.client)["refunded_cents"] == refunded

    # Release day: the freelancer gets everything but the refund, in whole cents.
    server.set_time(at(0, 0, day=9).replace(month=12))
    week = parties.freelancer.ok("GET", base)
    assert (week["state"], week["released_cents"], week["escrow_cents"]) == (
        "released",
        total - refunded,
        0,
    )
    assert _money(parties.freelancer)["released_cents"] == total - refunded
    parties.device.close()
