"""A round of sync from a device on a fake clock to the real marketplace (a subprocess on
127.0.0.1): every record once, in chain order, with receipts checked and kept; screenshots of
deleted segments never sent; refusals and failures kept for the next round."""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from diary.entries import Entry, read_entry
from diary.receipts import Receipt, receipt_fields
from marketplace.receipt_key import ReceiptKey
from sync.errors import MarketplaceUnreachable
from sync.marketplace_client import Card, MarketplaceClient
from sync.outbox import MarketplaceLink, Outbox
from sync.uploader import (
    BadReceipt,
    MarketplaceKeyChanged,
    SyncReport,
    sync_round,
    upload_body,
    upload_line,
)
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.device import RecordingDevice
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
    held = parties.server.screenshot_hashes()
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


def test_an_upload_body_holds_the_upload_lines(tmp_path: Path) -> None:
    """The body written from the ledger's bytes says what the upload lines say: details of the
    marketplace's contracts only, non-ASCII memos as they were signed."""
    device = RecordingDevice(tmp_path / "device", START)
    theirs = device.contract("m-0123456789abcdef")
    device.track(theirs, "Kassenseite für Zürich", at(10, 10), at(10, 30))
    device.track(device.local_contract(), "My own project", at(10, 40), at(10, 50))
    chain = device.chain()
    assert json.loads(upload_body(chain)) == {"records": [upload_line(s) for s in chain]}
    assert sum("details" in line for line in json.loads(upload_body(chain))["records"]) == 2
    device.close()


class MisnamingMarketplace(MarketplaceClient):
    """Signs its receipts with the pinned key, but they name another record or contract than
    the one sent: a fault the real server cannot be made to commit."""

    def __init__(self, key: ReceiptKey, change: dict[str, Any]) -> None:
        super().__init__("http://127.0.0.1:9")
        self.key, self.change = key, change

    def card(self) -> Card:
        return Card("Misnaming", self.key.public)

    def enroll(self, genesis: dict[str, Any]) -> Receipt:
        entry = read_entry(genesis)
        assert isinstance(entry, Entry)
        return self.key.sign(
            {**receipt_fields(self.key.public.key_id, entry, START), **self.change}
        )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"record": "0" * 64}, "names record 000000000000"),
        ({"contract": "m-1"}, "another contract"),
    ],
)
def test_a_receipt_that_names_another_record_is_kept_nowhere(
    tmp_path: Path, change: dict[str, Any], why: str
) -> None:
    device = RecordingDevice(tmp_path / "device", START)
    key = ReceiptKey(Ed25519PrivateKey.generate())
    outbox = Outbox(device.store)
    url = "http://127.0.0.1:9"
    outbox.set_link(MarketplaceLink(url, "f@example.com", "a1", "Misnaming", key.public, START))
    marketplace = MisnamingMarketplace(key, change)
    with pytest.raises(BadReceipt, match=why):
        sync_round(device.store, device.ledger, outbox, marketplace, device.data_dir, START)
    assert outbox.receipted_head(device.device_id) is None
    device.close()
