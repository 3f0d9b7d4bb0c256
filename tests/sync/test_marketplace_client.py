"""The device's client of the marketplace API against the real server (a subprocess on
127.0.0.1), and the rule for when to try again."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from diary.receipts import signed_by
from sync.backoff import LONGEST_WAIT, next_attempt, retry_after_seconds
from sync.errors import MarketplaceRefused, MarketplaceUnreachable, SignInAgain
from sync.marketplace_client import MarketplaceClient
from tests.conftest import START
from tests.marketplace.conftest import make_parties
from tests.marketplace.server import Server, running
from tests.tracker.helpers import at

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("client") / "data", START) as found:
        yield found


def test_it_signs_in_uploads_and_checks_receipts(server: Server, tmp_path: Path) -> None:
    server.set_time(START)
    parties = make_parties(server, tmp_path)
    client = MarketplaceClient(server.url)
    card = client.card()
    password = "correct horse battery"
    client.login(parties.freelancer_email, password)
    assert client.me()["email"] == parties.freelancer_email
    assert [c["id"] for c in client.contracts()] == [parties.contract_id]
    parties.device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))
    server.set_time(parties.device.clock.now())
    lines = parties.device.entries()
    answer = client.upload(lines)
    assert (answer.accepted, answer.already_held, answer.refusal) == (2, 0, None)
    assert all(signed_by(r, card.key) for r in answer.receipts)
    again = client.upload(lines)
    assert (again.accepted, again.already_held) == (0, 2)
    assert [r.signature for r in again.receipts] == [r.signature for r in answer.receipts]
    sha256, path = next(iter(parties.device.screenshots().items()))
    assert client.put_screenshot(sha256, path.read_bytes()) in (True, False)
    client.logout()
    with pytest.raises(SignInAgain, match="sign in again"):
        client.me()


def test_a_refused_record_comes_back_with_the_receipts_before_it(
    server: Server, tmp_path: Path
) -> None:
    server.set_time(START)
    parties = make_parties(server, tmp_path)
    client = MarketplaceClient(server.url, parties.freelancer.token)
    parties.device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))
    lines = parties.device.entries()
    lines[1]["details"]["memo"] = "changed"
    server.set_time(parties.device.clock.now())
    answer = client.upload(lines)
    assert answer.accepted == 1 and len(answer.receipts) == 1
    assert answer.refusal is not None and (answer.refusal.code, answer.refusal.index) == (
        "details",
        1,
    )
    with pytest.raises(MarketplaceRefused) as refused:
        client.login(parties.freelancer_email, "wrong password!")
    assert (refused.value.problem, refused.value.status) == ("login-failed", 401)


def test_too_many_failed_sign_ins_are_said_as_the_marketplace_says_them(
    server: Server, tmp_path: Path
) -> None:
    """Not "cannot take requests now": the person is told how long to wait."""
    server.set_time(START)
    parties = make_parties(server, tmp_path)
    client = MarketplaceClient(server.url)
    for _ in range(10):
        with pytest.raises(MarketplaceRefused):
            client.login(parties.freelancer_email, "wrong password!")
    with pytest.raises(MarketplaceRefused) as refused:
        client.login(parties.freelancer_email, "correct horse battery")
    assert (refused.value.problem, refused.value.status) == ("too-many-sign-ins", 429)
    assert str(refused.value).endswith("try again in 15 minutes.")


def test_a_marketplace_that_does_not_answer_is_worth_trying_later() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(MarketplaceUnreachable, match="Cannot reach"):
        MarketplaceClient(f"http://127.0.0.1:{port}").card()


def test_the_wait_doubles_with_jitter_up_to_an_hour_and_honours_retry_after() -> None:
    rng = random.Random(1)
    waits = [(next_attempt(n, NOW, rng) - NOW).total_seconds() for n in range(1, 16)]
    assert 2.5 <= waits[0] <= 5 and 5 <= waits[1] <= 10 and 10 <= waits[2] <= 20
    assert all(LONGEST_WAIT / 2 <= w <= LONGEST_WAIT for w in waits[-4:])
    assert len({round(w, 3) for w in waits}) == len(waits)  # jitter: no two alike
    assert next_attempt(1, NOW, rng, retry_after=120) - NOW == timedelta(seconds=120)
    assert retry_after_seconds("30", NOW) == 30
    assert retry_after_seconds("Mon, 30 Nov 2026 09:01:00 GMT", NOW) == 60
    assert retry_after_seconds("soon", NOW) is None and retry_after_seconds(None, NOW) is None


def test_every_fault_of_the_network_is_worth_trying_again_and_loses_nothing(
    server: Server, tmp_path: Path
) -> None:
    from tests.marketplace.proxy import Fault, faulty

    server.set_time(START)
    parties = make_parties(server, tmp_path)
    parties.device.track(parties.local, "Checkout page", at(10, 10), at(11, 0))
    server.set_time(parties.device.clock.now())
    lines = parties.device.entries()
    with faulty(server.url, delay=2.0) as proxy:
        client = MarketplaceClient(proxy.url, parties.freelancer.token, timeout=(2.0, 1.0))
        retry_afters = []
        for fault in (
            Fault.DROP_REQUEST,
            Fault.DELAY,
            Fault.ERROR_500,
            Fault.UNAVAILABLE_503,
            Fault.LOSE_ANSWER,
        ):
            proxy.fail(fault)
            with pytest.raises(MarketplaceUnreachable) as unreachable:
                client.upload(lines[:2])
            retry_afters.append(unreachable.value.retry_after)
        assert proxy.seen == list(Fault)[1:]
        assert retry_afters == [None, None, None, 7.0, None]
        # The server took the batch twice (held back, then lost): sending it again is a no-op.
        answer = client.upload(lines)
        assert (answer.already_held, answer.accepted, answer.refusal) == (2, len(lines) - 2, None)
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/2026-W48")
    assert week["billable_seconds"] == 3000
    assert parties.freelancer.ok("GET", "/v1/devices")[0]["head_seq"] == len(lines)
