"""A week's diary recorded by the real engine on a fake clock, signed and exported: on a painted
screen with keys in memory, or on the real X server with the real keyring."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from cli.bundles import parse_week
from diary.records import AmendmentKind
from sync.autosign import SignOnClose
from sync.export import export_bundle
from sync.keys import Vault
from sync.ledger import Ledger
from sync.signer import Signer
from tests.conftest import START
from tests.sync.screens import Screen
from tests.sync.seeding import track, work_until
from tests.tracker.helpers import at, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.screenshots import ScreenshotTaker
from tracker.settings import Settings
from tracker.store import DATABASE_FILE, Store

WEEK = "2026-W48"
#: Contract 1: 10:03:27-10:40, the 10:20 segment deleted, the 10:10 memo edited.
#: Contract 2: 11:00-11:25.
#: The screen during the 10:20 segment, which is deleted: its screenshot must not be exported.
PRIVATE_COLOUR = (30, 160, 90)
HOURS = {("1", "2026-11-25"): 393 + 600 + 600, ("2", "2026-11-25"): 1500}


@dataclass
class WeekDiary:
    data_dir: Path
    store: Store
    ledger: Ledger
    everything: Path
    contract_1: Path


def record_week(root: Path, screen: Screen, vault: Vault) -> WeekDiary:
    data_dir = root / "data"
    data_dir.mkdir(parents=True)
    clock = FakeClock(START)
    store = Store(data_dir / DATABASE_FILE, clock)
    first = store.add_contract("Website", "Acme", 4500, 0, False).id
    second = store.add_contract("Data import", "Globex", 6000, 0, False).id
    counter = ActivityCounter()
    engine = Engine(
        clock,
        store,
        Settings(idle_policy="keep"),
        counter,
        screenshots=ScreenshotTaker(data_dir, screen),
        rng=random.Random(3),
    )
    ledger = Ledger(store)
    signer = Signer(store, ledger, vault, clock)
    engine.subscribe(SignOnClose(signer.sign_pending))
    with screen.showing():  # the first screenshot differs from the black ones after it
        engine.start(first, "Checkout page")
        run_until(engine, clock, at(10, 3, 40))
    work_until(engine, clock, counter, at(10, 20))
    with screen.showing(PRIVATE_COLOUR):  # what the freelancer deletes below
        work_until(engine, clock, counter, at(10, 30))
    work_until(engine, clock, counter, at(10, 40))
    engine.stop()
    track(engine, clock, counter, second, "Import the customer list", at(11, 0), at(11, 25))
    segments = store.segments_between(at(10, 0), at(11, 0), first)
    clock.advance(1800)
    store.add_amendment(segments[1].id, AmendmentKind.MEMO, memo="Checkout page: tax rules")
    store.add_amendment(segments[2].id, AmendmentKind.DELETE_SEGMENT, reason="a private call")
    signer.sign_pending()
    week = parse_week(WEEK)
    everything = root / "week.zip"
    contract_1 = root / "week-contract-1.zip"
    for contract, path in ((None, everything), (first, contract_1)):
        export_bundle(store, ledger, data_dir, week, contract, path, clock.now(), "tests")
    return WeekDiary(data_dir, store, ledger, everything, contract_1)
