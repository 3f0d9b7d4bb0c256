"""Billable time so far in the store (a day, or the billing week used against the weekly limit),
and what a contract's billing week earns."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from diary.times import WEEK, day_start, week_start

from .store import Store
from .views import SegmentView, billable_seconds


def views_until(
    store: Store, start: datetime, end: datetime, at: datetime, contract_id: int | None = None
) -> list[SegmentView]:
    """Segments starting in [start, end) as they count (no minutes); open ones up to ``at``."""
    segments = [
        replace(s, end=max(s.start, at)) if s.end is None else s
        for s in store.segments_between(start, end, contract_id)
    ]
    return store.views(segments, with_minutes=False)


def billable_seconds_between(
    store: Store, start: datetime, end: datetime, at: datetime, contract_id: int | None = None
) -> int:
    """Billable seconds of segments starting in [start, end); open segments count up to ``at``."""
    return billable_seconds(views_until(store, start, end, at, contract_id))


def week_billable_seconds(store: Store, contract_id: int, at: datetime) -> int:
    """Billable seconds of the contract in the week holding ``at``; open segments count up to ``at``."""
    start = week_start(at)
    return billable_seconds_between(store, start, start + WEEK, at, contract_id)


def day_billable_seconds(store: Store, contract_id: int | None, at: datetime) -> int:
    """Billable seconds on the UTC day holding ``at``; open segments count up to ``at``."""
    start = day_start(at)
    return billable_seconds_between(store, start, start + timedelta(days=1), at, contract_id)


def week_earnings_cents(billable_seconds: int, rate_cents: int) -> int:
    """What a contract's week of ``billable_seconds`` earns at ``rate_cents`` an hour, in cents.

    Computed in integers, so exactly: seconds x cents an hour / 3600, rounded half up to the
    cent (2 x 3600 in the divisor so that the half can be added in whole numbers). Round once,
    on the week's billable seconds of one contract, never per day or per segment: 10 minutes at
    $12.03 is $2.005 and earns $2.01, but two such days earn $4.01, not 2 x $2.01.
    """
    return (2 * max(0, billable_seconds) * max(0, rate_cents) + 3600) // 7200
