"""A freelancer's device for the marketplace's tests: the real engine, store and signer on a
fake clock, keys in memory and a painted screen (the server's tests need no display and no
keyring), with what it would upload read from its ledger."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diary.canonical import parse_json
from sync.autosign import SignOnClose
from sync.keys import MemoryVault
from sync.ledger import Ledger, SignedRecord
from sync.signer import Signer
from tests.sync.screens import PaintedScreen
from tests.sync.seeding import Pattern, track
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.screenshots import ScreenshotTaker
from tracker.settings import Settings
from tracker.store import DATABASE_FILE, Store
from tracker.week import week_billable_seconds

EVER = (datetime(2000, 1, 3, tzinfo=UTC), datetime(2999, 1, 6, tzinfo=UTC))


class RecordingDevice:
    def __init__(self, root: Path, start: datetime, seed: int = 3) -> None:
        self.data_dir = root
        root.mkdir(parents=True, exist_ok=True)
        self.clock = FakeClock(start)
        self.store = Store(root / DATABASE_FILE, self.clock)
        self.counter = ActivityCounter()
        self.screen = PaintedScreen()
        self.engine = Engine(
            self.clock,
            self.store,
            Settings(idle_policy="keep"),
            self.counter,
            screenshots=ScreenshotTaker(root, self.screen),
            rng=random.Random(seed),
        )
        self.ledger = Ledger(self.store)
        self.signer = Signer(self.store, self.ledger, MemoryVault(), self.clock)
        self.engine.subscribe(SignOnClose(self.signer.sign_pending))
        self.signer.signing_key()  # the genesis, so the device can enroll at once

    def contract(self, marketplace_id: str, title: str = "Website", rate_cents: int = 4500) -> int:
        """A contract on the device, linked to the marketplace's contract."""
        local = self.store.add_contract(title, "Client", rate_cents, 0, True).id
        self.store.link_marketplace(local, marketplace_id)
        return local

    def local_contract(self, title: str = "My own project") -> int:
        return self.store.add_contract(title, "Me", 3000, 0, True).id

    def track(
        self,
        contract: int,
        memo: str,
        start: datetime,
        end: datetime,
        colour: tuple[int, int, int] | None = None,
        pattern: Pattern | None = None,
    ) -> None:
        if colour is None:
            track(self.engine, self.clock, self.counter, contract, memo, start, end, 3, pattern)
        else:
            with self.screen.showing(colour):
                track(self.engine, self.clock, self.counter, contract, memo, start, end, 3, pattern)
        self.signer.sign_pending()

    @property
    def device_id(self) -> str:
        return self.signer.signing_key().device_id

    def chain(self, from_seq: int = 0) -> list[SignedRecord]:
        return self.ledger.chain(self.device_id, from_seq)

    def genesis(self) -> dict[str, Any]:
        return entry(self.chain()[0])

    def entries(
        self, from_seq: int = 1, with_details: bool = True, own_details: bool = False
    ) -> list[dict[str, Any]]:
        """The upload lines of the chain from ``from_seq``: details for marketplace contracts'
        records only (a device's own contracts travel as headers, unless ``own_details``)."""
        return [entry(r, with_details, own_details) for r in self.chain(from_seq)]

    def screenshots(self) -> dict[str, Path]:
        """The screenshot files the device holds, by hash."""
        found = {}
        for segment in self.store.segments_between(EVER[0], EVER[1]):
            for shot in self.store.screenshots([segment.id]).get(segment.id, []):
                if shot.sha256 and shot.path:
                    found[shot.sha256] = self.data_dir / shot.path
        return found

    def week_seconds(self, contract: int, at: datetime) -> int:
        """The device's own count of the billing week's billable seconds."""
        return week_billable_seconds(self.store, contract, at)

    def close(self) -> None:
        self.store.close()


def entry(signed: SignedRecord, with_details: bool = True, own: bool = False) -> dict[str, Any]:
    record = parse_json(signed.record)
    line: dict[str, Any] = {"record": record, "signature": signed.signature.hex()}
    local = record.get("contract") is not None and str(record["contract"]).isdigit()
    if with_details and signed.details is not None and (own or not local):
        line["details"] = parse_json(signed.details)
    return line
