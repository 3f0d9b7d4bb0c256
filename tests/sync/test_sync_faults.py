"""Sync survives being killed: the marketplace killed with SIGKILL in the middle of a batch and
started again, and the device's sync process killed the same way and run again. Afterwards
the marketplace holds every record exactly once and the device every receipt."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sync.errors import MarketplaceUnreachable
from sync.marketplace_client import MarketplaceClient
from sync.outbox import MarketplaceLink, Outbox
from sync.uploader import sync_round
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.proxy import faulty
from tests.marketplace.server import ROOT, running
from tests.sync.conftest import ForgettingVault
from tests.tracker.helpers import at

PASSWORD = "correct horse battery"


def busy_week(parties: Parties) -> None:
    """About 150 segments on three days: one batch the server takes a while to check."""
    device = parties.device
    for day in (23, 24, 25):
        device.track(parties.local, f"Day {day}", at(8, 0, day=day), at(16, 10, day=day))
    parties.server.set_time(device.clock.now())


def held_once(parties: Parties) -> None:
    chain = parties.device.chain()
    head = parties.freelancer.ok("GET", "/v1/devices")[0]["head_seq"]
    assert head == chain[-1].seq
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/2026-W48")
    segments = [r for r in chain if r.type == "segment"]
    assert len(week["segments"]) == len({r.segment_id for r in segments}) == len(segments)


def is_batch(request: bytes) -> bool:
    return request.startswith(b"POST /v1/records ")


def test_a_marketplace_killed_mid_batch_loses_and_doubles_nothing(tmp_path: Path) -> None:
    with running(tmp_path / "marketplace", START) as server, faulty(server.url) as proxy:
        parties = make_parties(server, tmp_path, now=at(7, 0, day=23))
        busy_week(parties)
        device = parties.device
        client = MarketplaceClient(proxy.url)
        card = client.card()
        account = client.login(parties.freelancer_email, PASSWORD)["account"]
        outbox = Outbox(device.store)
        outbox.set_link(
            MarketplaceLink(proxy.url, account["email"], account["id"], card.name, card.key, START)
        )
        process = server.process
        assert process is not None

        def kill_server(request: bytes) -> None:
            if is_batch(request):  # the batch reached the server; it never answers
                process.send_signal(signal.SIGKILL)
                process.wait()

        proxy.on_forwarded = kill_server
        with pytest.raises(MarketplaceUnreachable):
            sync_round(
                device.store, device.ledger, outbox, client, device.data_dir, device.clock.now()
            )
        proxy.on_forwarded = None
        server.start()
        parties.client.url = parties.freelancer.url = server.url
        proxy.target = ("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
        report = sync_round(
            device.store, device.ledger, outbox, client, device.data_dir, device.clock.now()
        )
        assert report.refused_code is None
        assert [r.at[1] for r in outbox.receipts(device.device_id)] == [
            r.seq for r in device.chain()
        ]
        held_once(parties)
        device.close()


def test_a_sync_process_killed_mid_batch_is_run_again(
    tmp_path: Path, keyring_vault: ForgettingVault
) -> None:
    with running(tmp_path / "marketplace", START) as server, faulty(server.url) as proxy:
        parties = make_parties(server, tmp_path, now=at(7, 0, day=23))
        busy_week(parties)
        device = parties.device
        program = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(device.data_dir)]
        login = subprocess.run(
            [*program, "login", proxy.url, parties.freelancer_email, "--password-stdin"],
            input=PASSWORD + "\n", capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert login.returncode == 0, login.stderr
        sync = subprocess.Popen([*program, "sync"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        killed = threading.Event()

        def kill_client(request: bytes) -> None:
            if is_batch(request) and not killed.is_set():  # sent, and never to be heard of
                sync.send_signal(signal.SIGKILL)
                killed.set()

        proxy.on_forwarded = kill_client
        sync.wait(timeout=60)
        assert killed.is_set() and sync.returncode == -signal.SIGKILL
        assert Outbox(device.store).receipted_head(device.device_id) is not None  # the genesis
        again = subprocess.run([*program, "sync", "--json"], capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["already_held"] > 0  # the killed batch had arrived
        outbox = Outbox(device.store)
        assert [r.at[1] for r in outbox.receipts(device.device_id)] == [
            r.seq for r in device.chain()
        ]
        held_once(parties)
        assert subprocess.run([*program, "logout"], capture_output=True).returncode == 0
        device.close()
