"""Billable time so far in the store: a day, or the billing week used against the weekly limit."""

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
