"""A refused record as the freelancer sees it: the week locked before a segment reached the
marketplace, so that device's chain stops there, with the code in `status`, in the app's sync
line and on the diary's cells; what was receipted before stays receipted, and another device of
the same freelancer uploads as before."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.marketplace_client import MarketplaceClient
from sync.outbox import MarketplaceLink, Outbox
from sync.segment_marks import SyncState, sync_marks
from sync.signing import SigningReport
from sync.status import sync_status
from sync.uploader import sync_round
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.device import RecordingDevice
from tests.marketplace.server import Server, running
from tests.tracker.helpers import at
from ui.sync_panel import lock_warning, status_line


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("refused") / "data", START) as found:
        yield found


@pytest.fixture
def parties(server: Server, tmp_path: Path) -> Iterator[Parties]:
    server.set_time(START)
    found = make_parties(server, tmp_path)
    yield found
    found.device.close()


def _sync(parties: Parties, device: RecordingDevice) -> Outbox:
    client = MarketplaceClient(parties.server.url)
    card = client.card()
    account = client.login(parties.freelancer_email, "correct horse battery")["account"]
    outbox = Outbox(device.store)
    outbox.set_link(
        MarketplaceLink(
            client.url, parties.freelancer_email, account["id"], card.name, card.key, START
        )
    )
    now = device.clock.now()
    parties.server.set_time(now)
    sync_round(device.store, device.ledger, outbox, client, device.data_dir, now, random.Random(1))
    return outbox


def test_a_late_segment_stops_its_chain_and_says_so_everywhere(
    parties: Parties, tmp_path: Path
) -> None:
    device = parties.device
    device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))  # Wednesday of W48
    first = device.store.segments_between(at(10, 10), at(10, 30))
    _sync(parties, device)
    status = sync_status(device.store, device.data_dir, device.clock.now())
    assert (status["waiting_records"], status["waiting_screenshots"]) == (0, 0)
    # Thursday's segment waits on the device (offline) until after Monday 12:00.
    device.track(parties.local, "Address form", at(9, 0, day=26), at(9, 20, day=26))
    late = device.store.segments_between(at(9, 0, day=26), at(9, 20, day=26))
    device.clock.set_wall(at(11, 0, day=30))  # Monday 30 November, an hour before the lock
    status = sync_status(device.store, device.data_dir, device.clock.now())
    assert status["locks_at"] == "2026-11-30T12:00:00Z"
    warning = lock_warning(status["locks_at"], device.clock.now())
    assert warning is not None and "(in 1 h 00 min)" in warning[0]
    device.clock.set_wall(at(12, 30, day=30))  # missed
    warning = lock_warning(status["locks_at"], device.clock.now())
    assert (
        warning is not None and "did not reach the marketplace before the week locked" in warning[0]
    )
    device.track(parties.local, "Payment page", at(13, 0, day=30), at(13, 20, day=30))
    after = device.store.segments_between(at(13, 0, day=30), at(13, 20, day=30))
    outbox = _sync(parties, device)

    state = outbox.state()
    assert state.refused_code == "week-locked" and state.refused_device == device.device_id
    status = sync_status(device.store, device.data_dir, device.clock.now())
    assert status["refused_code"] == "week-locked" and status["waiting_records"] > 0
    marks = sync_marks(device.store, [*first, *late, *after])
    assert {marks[s.id].state for s in first} == {SyncState.RECEIPTED}
    # The first late segment is refused; everything after it waits, for a chain cannot skip.
    assert marks[late[0].id].state is SyncState.REFUSED and "week-locked" in marks[late[0].id].text
    behind = [marks[s.id] for s in [*late[1:], *after]]
    assert behind and {m.state for m in behind} == {SyncState.WAITING}
    assert all("refused an earlier record" in m.text for m in behind)
    line = status_line(SigningReport(0, 0, status=status), device.clock.now())
    assert "The marketplace refused a record (week-locked)" in line
    # The screenshot receipted before the refusal is still held, and not asked for again.
    assert status["waiting_screenshots"] == len(
        [s for s in device.screenshots() if not outbox.uploaded(s)]
    )
    shots = [s for seg in first for s in device.store.screenshots([seg.id]).get(seg.id, [])]
    assert shots and all(outbox.uploaded(s.sha256 or "") for s in shots)

    # Another computer of the same freelancer, tracking this week: its chain is its own.
    other = RecordingDevice(tmp_path / "laptop", at(13, 30, day=30), seed=5)
    try:
        other.contract(parties.contract_id)
        contract = next(c.id for c in other.store.contracts() if c.marketplace_id)
        other.track(contract, "Receipt email", at(14, 0, day=30), at(14, 20, day=30))
        other_outbox = _sync(parties, other)
        assert other_outbox.state().refused_code is None
        assert other_outbox.receipted_head(other.device_id) == len(other.chain()) - 1
    finally:
        other.close()
