"""An offline week: the device signed in, then the marketplace went away while the engine
recorded a week on a fake clock (segments on five days, a memo edit, a deleted screenshot, an
idle discard, a key rotation, a contract of the device's own). When the marketplace is back,
one round of sync gets every record receipted exactly once, the deleted screenshot never
leaves the device, and the client's week equals the device's diary."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from diary.records import AmendmentKind
from sync.errors import MarketplaceUnreachable
from sync.marketplace_client import MarketplaceClient
from sync.outbox import MarketplaceLink, Outbox
from sync.uploader import sync_round
from tests.conftest import START
from tests.marketplace.conftest import make_parties
from tests.marketplace.server import running
from tests.tracker.helpers import all_views, at
from tracker.edits import delete_screenshot, edit_memo
from tracker.week import day_billable_seconds

PRIVATE = (210, 20, 20)


def test_an_offline_week_reaches_the_marketplace_once_and_whole(tmp_path: Path) -> None:
    with running(tmp_path / "marketplace", START) as server:
        parties = make_parties(server, tmp_path, now=at(8, 0, day=23))
        device, contract = parties.device, parties.local
        client = MarketplaceClient(server.url)
        card = client.card()
        account = client.login(parties.freelancer_email, "correct horse battery")["account"]
        outbox = Outbox(device.store)
        outbox.set_link(
            MarketplaceLink(server.url, account["email"], account["id"], card.name, card.key, START)
        )
        server.stop()  # offline from here

        own = device.local_contract()
        device.track(contract, "Monday: checkout", at(9, 0, day=23), at(10, 0, day=23))
        device.track(own, "Monday: my own project", at(10, 0, day=23), at(10, 30, day=23))
        device.track(contract, "Tuesday: tax rules", at(9, 0, day=24), at(9, 50, day=24))
        device.signer.rotate()
        device.track(
            contract, "Wednesday: private call", at(14, 0, day=25), at(14, 10, day=25), PRIVATE
        )
        device.track(contract, "Thursday: invoices", at(9, 0, day=26), at(10, 0, day=26))
        device.track(contract, "Friday: review", at(16, 0, day=27), at(16, 40, day=27))
        tuesday = device.store.segments_between(at(9, 0, day=24), at(9, 10, day=24), contract)[0]
        edit_memo(device.store, [tuesday.id], "Tuesday: tax rules for the EU", device.clock.now())
        private = device.store.segments_between(at(14, 0, day=25), at(14, 10, day=25), contract)[0]
        shot = device.store.screenshots([private.id])[private.id][0]
        delete_screenshot(device.store, device.data_dir, shot.id)
        thursday = device.store.segments_between(at(9, 20, day=26), at(9, 30, day=26), contract)[0]
        device.store.add_amendment(
            thursday.id,
            AmendmentKind.IDLE_DISCARD,
            start=at(9, 22, day=26),
            end=at(9, 27, day=26),
            reason="idle: discarded",
        )
        device.signer.sign_pending()

        rng = random.Random(5)
        with pytest.raises(MarketplaceUnreachable):
            sync_round(
                device.store,
                device.ledger,
                outbox,
                client,
                device.data_dir,
                device.clock.now(),
                rng,
            )
        assert outbox.state().failures == 1 and outbox.state().next_attempt is not None

        server.set_time(device.clock.now() + timedelta(minutes=1))
        server.start()  # the same data dir and receipt key, on a new port
        client = MarketplaceClient(server.url, client.token)
        parties.client.url = parties.freelancer.url = server.url
        outbox.set_link(
            MarketplaceLink(server.url, account["email"], account["id"], card.name, card.key, START)
        )
        report = sync_round(
            device.store, device.ledger, outbox, client, device.data_dir, device.clock.now(), rng
        )
        assert report.refused_code is None
        chain = device.chain()
        receipts = outbox.receipts(device.device_id)
        assert [r.at[1] for r in receipts] == [r.seq for r in chain]
        assert Counter(r.record for r in receipts).most_common(1)[0][1] == 1
        assert parties.freelancer.ok("GET", "/v1/devices")[0]["head_seq"] == chain[-1].seq
        held = server.screenshot_hashes()
        assert shot.sha256 not in held and not outbox.uploaded(str(shot.sha256))
        assert outbox.state().failures == 0

        week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/2026-W48")
        days = {d["day"]: d["billable_seconds"] for d in week["days"]}
        for day in range(23, 28):
            mine = day_billable_seconds(device.store, contract, at(12, 0, day=day))
            assert days.get(f"2026-11-{day}", 0) == mine, day
        views = [v for v in all_views(device.store) if v.segment.contract_id == contract]
        theirs = {s["segment"]: s["state"] for s in week["segments"]}
        assert theirs == {v.segment.id: v.state.value for v in views}
        assert sorted(theirs.values()).count("deleted") == 1
        assert week["billable_seconds"] == sum(days.values()) == 3600 + 3000 + 3600 - 300 + 2400
        device.close()
