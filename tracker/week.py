"""The billing week in the store: time already used against a contract's weekly limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .store import Store
from .timeline import WEEK, billable_seconds, week_start


def week_billable_seconds(store: Store, contract_id: int, at: datetime) -> int:
    """Billable seconds of the contract in the week holding ``at``; open segments count up to ``at``."""
    start = week_start(at)
    segments = [
        replace(s, end=max(s.start, at)) if s.end is None else s
        for s in store.segments_between(start, start + WEEK, contract_id)
    ]
    return billable_seconds(store.views(segments, with_minutes=False))
