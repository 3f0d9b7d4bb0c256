"""A crash never costs a verifiable week: a segment closed on recovery verifies, whenever the
process died (on the fake clock, with screenshots painted and keys in memory)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cli.bundles import parse_week
from diary.bundle import verify_bundle
from sync.export import export_bundle
from sync.keys import MemoryVault
from sync.ledger import Ledger
from sync.signer import Signer
from tests.conftest import START
from tests.sync.screens import PaintedScreen
from tests.tracker.helpers import all_views, at, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import NOT_SAVED, Engine
from tracker.screenshots import ScreenshotTaker
from tracker.settings import Settings
from tracker.store import Store


def _engine(clock: FakeClock, store: Store, data_dir: Path, counter: ActivityCounter) -> Engine:
    return Engine(
        clock,
        store,
        Settings(idle_policy="keep", screenshots_per_segment=2),
        counter,
        screenshots=ScreenshotTaker(data_dir, PaintedScreen()),
        rng=random.Random(11),
    )


@pytest.mark.parametrize(
    "dies_at",
    # After the first screenshot (10:03:28 to 10:03:31) but before any minute is saved; after
    # a later screenshot, past the last saved minute; and at random moments of the hour.
    [at(10, 3, 45)]
    + [START + timedelta(seconds=s) for s in random.Random(5).sample(range(60, 3000), 12)],
)
def test_a_segment_closed_on_recovery_verifies(
    dies_at: datetime, fake_clock: FakeClock, store: Store, data_dir: Path, contract_id: int
) -> None:
    counter = ActivityCounter()
    crashed = _engine(fake_clock, store, data_dir, counter)
    crashed.start(contract_id, "Before the crash")
    while fake_clock.now() < dies_at:
        counter.key_pressed()
        run_until(crashed, fake_clock, min(dies_at, fake_clock.now() + timedelta(seconds=20)))
    # The process dies here: nothing more is written. It starts again later.
    fake_clock.advance(900)
    engine = _engine(fake_clock, store, data_dir, ActivityCounter())
    engine.recover()  # nothing may be open: a new segment is stored with its first minute or shot
    for view in all_views(store):
        end = view.segment.end
        assert end is not None and all(s.taken_at <= end for s in view.screenshots)
    signer = Signer(store, Ledger(store), MemoryVault(), fake_clock)
    assert signer.sign_pending().waiting == 0
    bundle = data_dir / "week.zip"
    export_bundle(
        store, Ledger(store), data_dir, parse_week("2026-W48"), None, bundle, fake_clock.now(), "t"
    )
    verdict = verify_bundle(bundle)
    assert verdict.ok, [f.reason for f in verdict.failures]


def test_minutes_after_the_last_saved_one_say_why_they_have_no_counts(
    fake_clock: FakeClock, store: Store, data_dir: Path, contract_id: int
) -> None:
    counter = ActivityCounter()
    crashed = _engine(fake_clock, store, data_dir, counter)
    crashed.start(contract_id, "Before the crash")
    run_until(crashed, fake_clock, at(10, 3, 45))  # the first screenshot is taken, no minute saved
    _engine(fake_clock, store, data_dir, ActivityCounter()).recover()
    (view,) = all_views(store)
    (shot,) = view.screenshots
    assert view.segment.end == shot.taken_at and view.segment.start < shot.taken_at
    assert [(m.start, m.unavailable) for m in view.minutes] == [(at(10, 3), NOT_SAVED)]
