"""A contract's billable time today and this week that ticks on with a running session between
the engine's minutes, so that the session, today and this week agree to the second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from diary.records import SegmentState
from diary.times import slot_start

from .store import Store
from .week import billable_seconds_between, week_billable_seconds
from .zones import LOCAL


@dataclass(frozen=True)
class LiveTotals:
    """Today's (local day) and this week's (UTC billing week) billable seconds as the store
    had them at ``counted_at``; the seconds after it count too while ``running`` is true."""

    today: int
    week: int
    limit_minutes: int
    counted_at: datetime
    running: bool

    @classmethod
    def count(
        cls, store: Store, contract_id: int, now: datetime, session_start: datetime | None
    ) -> LiveTotals:
        """Count from the store; ``session_start`` is when tracking of this contract began
        (None when it is not being tracked)."""
        # At a whole second, as the session starts at one: the seconds added later then land
        # on the same second boundaries.
        now = now.replace(microsecond=0)
        day_start, day_end = LOCAL.day_range(LOCAL.today(now))
        today = billable_seconds_between(store, day_start, day_end, now, contract_id)
        week = week_billable_seconds(store, contract_id, now)
        limit = store.contract(contract_id).weekly_limit_minutes
        counted_at, running = now, False
        if session_start is not None:
            open_now = [s for s in store.open_segments() if s.contract_id == contract_id]
            if open_now:
                (view,) = store.views(open_now[-1:], with_minutes=True)
                # Deleting its screenshot, or the weekly limit, stops it counting; the session
                # goes on.
                running = view.state is SegmentState.TRACKED
            else:
                # The engine stores a new segment with its first minute: until then the store
                # does not know it, so it counts from where it began (the slot, or the start).
                running = True
                counted_at = min(now, max(slot_start(now), session_start.replace(microsecond=0)))
        return cls(today, week, limit, counted_at, running)

    def at(self, now: datetime) -> tuple[int, int]:
        """Today's and this week's billable seconds at ``now``."""
        extra = max(0, int((now - self.counted_at).total_seconds())) if self.running else 0
        return self.today + extra, self.week + extra
