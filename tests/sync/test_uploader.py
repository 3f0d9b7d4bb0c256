"""A round of sync from a device on a fake clock to the real marketplace (a subprocess on
127.0.0.1): every record once, in chain order, with receipts checked and kept; screenshots of
deleted segments never sent; refusals and failures kept for the next round."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from sync.errors import MarketplaceUnreachable
from sync.marketplace_client import MarketplaceClient
from sync.outbox import MarketplaceLink, Outbox
from sync.uploader import MarketplaceKeyChanged, SyncReport, sync_round
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.server import Server, running
from tests.tracker.helpers import at
from tracker.edits import delete_screenshot

WEEK = "2026-W48"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("uploader") / "data", START) as found:
        yield found


@pytest.fixture
def parties(server: Server, tmp_path: Path) -> Iterator[Parties]:
    server.set_time(START)
    found = make_parties(server, tmp_path)
    yield found
    found.device.close()


def signed_in(parties: Parties, url: str | None = None) -> tuple[Outbox, MarketplaceClient]:
    client = MarketplaceClient(url or parties.server.url)
    card = client.card()
    found = client.login(parties.freelancer_email, "correct horse battery")
    outbox = Outbox(parties.device.store)
    outbox.set_link(
        MarketplaceLink(
            client.url, parties.freelancer_email, found["account"]["id"], card.name, card.key, START
        )
    )
    return outbox, client


def run(parties: Parties, outbox: Outbox, client: MarketplaceClient, now: datetime) -> SyncReport:
    device = parties.device
    return sync_round(
        device.store, device.ledger, outbox, client, device.data_dir, now, random.Random(1)
    )


def test_a_round_uploads_every_record_once_and_keeps_the_receipts(parties: Parties) -> None:
    device = parties.device
    own = device.local_contract()
    device.track(parties.local, "Checkout page", at(10, 10), at(10, 30), colour=(10, 200, 10))
    device.track(own, "My own project", at(10, 40), at(10, 50))
    device.track(parties.local, "Private", at(11, 0), at(11, 10), colour=(220, 10, 10))
    private = device.store.segments_between(at(11, 0), at(11, 10), parties.local)[0]
    delete_screenshot(
        device.store, device.data_dir, device.store.screenshots([private.id])[private.id][0].id
    )
    device.signer.sign_pending()
    parties.server.set_time(device.clock.now())
    outbox, client = signed_in(parties)
    report = run(parties, outbox, client, device.clock.now())
    chain = device.chain()
    assert report.receipted == len(chain) and report.refused_code is None
    assert [r.at[1] for r in outbox.receipts(device.device_id)] == [r.seq for r in chain]
    held = {p.stem for p in (parties.server.data / "screenshots").rglob("*.jpg")}
    private_sha = device.store.screenshots([private.id]).get(private.id, [])
    assert report.screenshots == len(held) >= 1
    assert all(s.sha256 not in held for s in private_sha)
    again = run(parties, outbox, client, device.clock.now())
    assert (again.sent, again.screenshots) == (0, 0)
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["billable_seconds"] == device.week_seconds(parties.local, START) == 1200
    assert outbox.state().last_success == device.clock.now()


def test_a_refusal_stops_the_chain_and_is_kept(parties: Parties) -> None:
    device = parties.device
    device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))
    parties.server.set_time(at(12, 0, day=30))  # the week locked before the device synced
    outbox, client = signed_in(parties)
    report = run(parties, outbox, client, at(12, 0, day=30))
    assert (report.refused_code, report.refused_seq) == ("week-locked", 1)
    state = outbox.state()
    assert (state.refused_code, state.refused_seq, state.refused_device) == (
        "week-locked",
        1,
        device.device_id,
    )
    assert outbox.receipted_head(device.device_id) == 0


def test_a_marketplace_that_changed_its_key_gets_nothing(parties: Parties, tmp_path: Path) -> None:
    outbox, _ = signed_in(parties)
    with running(tmp_path / "impostor", START) as impostor:
        client = MarketplaceClient(impostor.url)
        with pytest.raises(MarketplaceKeyChanged, match="signs its receipts with key"):
            run(parties, outbox, client, START)


def test_a_marketplace_out_of_reach_sets_the_next_attempt(parties: Parties) -> None:
    outbox, _ = signed_in(parties)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    client = MarketplaceClient(f"http://127.0.0.1:{port}")
    for failures in (1, 2):
        with pytest.raises(MarketplaceUnreachable):
            run(parties, outbox, client, START)
        state = outbox.state()
        assert state.failures == failures and state.next_attempt is not None
        assert state.next_attempt > START and state.last_error_code == "marketplace-unreachable"
