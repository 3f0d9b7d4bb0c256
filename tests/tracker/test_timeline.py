"""The pure time rules: slots, weeks, idle ranges and folding amendments into a segment's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from diary.records import AmendmentKind, SegmentKind, SegmentState
from diary.times import slot_end, slot_start, week_start
from tests.tracker.helpers import at
from tracker.records import Amendment, Segment
from tracker.timeline import ceil_minute, from_epoch, idle_range, to_epoch
from tracker.views import view_segment


def test_slots_align_to_ten_minutes_in_utc() -> None:
    assert slot_start(at(10, 3, 27)) == at(10, 0)
    assert slot_start(at(10, 10)) == at(10, 10)
    assert slot_start(at(10, 59, 59)) == at(10, 50)
    assert slot_end(at(10, 59, 59)) == at(11, 0)
    assert slot_end(at(23, 55, day=25)) == at(0, 0, day=26)


def test_slot_of_a_non_utc_time_is_the_utc_slot() -> None:
    india = datetime(2026, 11, 25, 15, 38, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=5, minutes=30))
    )
    assert slot_start(india) == at(15, 30)


def test_billing_week_starts_monday_midnight_utc() -> None:
    assert week_start(at(10, 0, day=25)) == datetime(2026, 11, 23, tzinfo=UTC)
    assert week_start(datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC)) == datetime(
        2026, 11, 23, tzinfo=UTC
    )
    assert week_start(datetime(2026, 11, 30, tzinfo=UTC)) == datetime(2026, 11, 30, tzinfo=UTC)


def test_epoch_round_trip() -> None:
    assert from_epoch(to_epoch(at(10, 3, 27))) == at(10, 3, 27)


def test_idle_range_keeps_the_minutes_that_had_input() -> None:
    assert ceil_minute(at(10, 0, 30)) == at(10, 1)
    assert idle_range(at(10, 0, 30), at(10, 25, 10)) == (at(10, 1), at(10, 25))
    assert idle_range(at(10, 0, 30), at(10, 1, 10)) is None


def _segment(start: datetime, end: datetime) -> Segment:
    return Segment("s1", 1, SegmentKind.TRACKED, start, end, "memo", start)


def _amend(kind: AmendmentKind, n: int, **kwargs: object) -> Amendment:
    return Amendment(n, "s1", at(12, 0) + timedelta(seconds=n), kind, **kwargs)  # type: ignore[arg-type]


def test_fold_memo_edits_in_order() -> None:
    view = view_segment(
        _segment(at(10, 0), at(10, 10)),
        amendments=[
            _amend(AmendmentKind.MEMO, 2, memo="second"),
            _amend(AmendmentKind.MEMO, 1, memo="first"),
        ],
    )
    assert view.memo == "second"
    assert view.state is SegmentState.TRACKED
    assert view.billable_seconds == 600


def test_partial_idle_discard_reduces_billable_time() -> None:
    view = view_segment(
        _segment(at(10, 0), at(10, 10)),
        amendments=[_amend(AmendmentKind.IDLE_DISCARD, 1, start=at(10, 4), end=at(10, 10))],
    )
    assert view.state is SegmentState.TRACKED
    assert view.billable_seconds == 240
    assert view.is_discarded(at(10, 4)) and not view.is_discarded(at(10, 3))


def test_whole_idle_discard_makes_the_segment_idle_discarded() -> None:
    view = view_segment(
        _segment(at(10, 0), at(10, 10)),
        amendments=[_amend(AmendmentKind.IDLE_DISCARD, 1, start=at(10, 0), end=at(10, 10))],
    )
    assert view.state is SegmentState.IDLE_DISCARDED
    assert view.billable_seconds == 0


def test_deleting_the_screenshot_deletes_the_segments_time() -> None:
    view = view_segment(
        _segment(at(10, 0), at(10, 10)), amendments=[_amend(AmendmentKind.DELETE_SCREENSHOT, 1)]
    )
    assert view.state is SegmentState.DELETED
    assert view.billable_seconds == 0


def test_manual_and_over_limit_states() -> None:
    manual = Segment("s1", 1, SegmentKind.MANUAL, at(10, 0), at(10, 10), "memo", at(10, 0))
    assert view_segment(manual).state is SegmentState.MANUAL
    over = view_segment(
        _segment(at(10, 0), at(10, 10)), amendments=[_amend(AmendmentKind.OVER_LIMIT, 1)]
    )
    assert over.state is SegmentState.OVER_LIMIT
    assert over.billable_seconds == 0
