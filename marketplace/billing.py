"""The billing week, as pure rules driven by the server's clock (docs/api.md, "Billing weeks").

A week runs Monday 00:00 to Monday 00:00 UTC. It is `open` while the freelancer may still add,
edit or delete its time, until Monday 12:00 UTC after it, when the diary locks: the amount is
fixed and moves to escrow, and the week is `in-review`. The client approves it, or disputes
chosen segments, until Friday 23:59:59 UTC of that week; a week without either is approved at
that deadline. Approved money is `released` to the freelancer on the Wednesday after the
deadline; a disputed week releases what is not disputed then, and holds the disputed amount
until a mediator decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from diary.times import DAY, WEEK, lock_at, parse_week_name, week_start

from .models import LimitChange, Week, WeekState

#: The end of Friday 23:59:59 UTC of the week after.
REVIEW_DEADLINE_AFTER = WEEK + 5 * DAY
RELEASE_AFTER = WEEK + 9 * DAY


def parse_week(label: str) -> datetime:
    """Monday 00:00 UTC of an ISO week named like 2026-W48; ValueError for anything else."""
    return parse_week_name(label)


def review_deadline(start: datetime) -> datetime:
    return start + REVIEW_DEADLINE_AFTER


def release_at(start: datetime) -> datetime:
    return start + RELEASE_AFTER


def is_locked(start: datetime, now: datetime) -> bool:
    """Whether records of the week that starts at ``start`` come too late."""
    return now >= lock_at(start)


def effective_from(old_hours: int | None, new_hours: int | None, now: datetime) -> datetime:
    """When a weekly-limit change takes effect: an increase (or removing the limit) this week,
    a decrease from next Monday, so that time already worked this week stays billable."""
    increase = new_hours is None or (old_hours is not None and new_hours >= old_hours)
    this_week = week_start(now)
    return this_week if increase else this_week + WEEK


def limit_for(changes: Sequence[LimitChange], start: datetime) -> int | None:
    """The weekly limit in hours (None: none) of the week that starts at ``start``: of the
    changes in effect by then, the one made last (``changes`` in the order they were made)."""
    in_effect = [c for c in changes if c.effective_from <= start]
    if not in_effect:
        return None
    return sorted(in_effect, key=lambda c: c.made_at)[-1].hours


def next_step(week: Week, now: datetime) -> Week | None:
    """The week after the clock's next due transition, or None when none is due yet."""
    if week.state is WeekState.IN_REVIEW and now >= review_deadline(week.start):
        return replace(week, state=WeekState.APPROVED, decided_at=review_deadline(week.start))
    due = release_at(week.start)
    if week.state is WeekState.APPROVED and now >= due:
        return replace(
            week, state=WeekState.RELEASED, released_cents=week.amount_cents, released_at=due
        )
    if week.state is WeekState.DISPUTED and now >= due and week.released_at is None:
        # What no dispute holds and no mediator refunded; all of it once nothing is held.
        return replace(
            week,
            state=WeekState.RELEASED if week.held_cents == 0 else WeekState.DISPUTED,
            released_cents=week.amount_cents - week.held_cents - week.refunded_cents,
            released_at=due,
        )
    return None


def settle(week: Week, now: datetime) -> list[Week]:
    """Every transition due by ``now``, in order (a week read long after it ended may owe
    several)."""
    steps = []
    while (after := next_step(week, now)) is not None:
        steps.append(after)
        week = after
    return steps
