"""Changes the freelancer makes to recorded time: each one an added amendment, never an edit."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from diary.records import AmendmentKind, SegmentKind, SegmentState
from diary.times import WEEK, lock_at, minute_floor, slot_end, slot_start, week_start

from .errors import EnvironmentProblem, InvalidInput
from .memo import validate_memo
from .records import Screenshot, Segment
from .store import Store
from .views import view_segment
from .week import week_billable_seconds

log = logging.getLogger(__name__)


def delete_screenshot(
    store: Store, data_dir: Path, screenshot_id: int, reason: str = "deleted by the freelancer"
) -> Screenshot:
    """Delete a screenshot: its segment stops counting (time and activity), and its file goes.

    The file stays only while another screenshot still uses it (identical screens make
    identical files, named by their SHA-256).
    """
    found = store.screenshots_by_id([screenshot_id])
    if not found or found[0].sha256 is None:
        raise InvalidInput("There is no such screenshot to delete.")
    shot = found[0]
    assert shot.sha256 is not None
    segment = store.segments_by_id([shot.segment_id])[0]
    amendments = store.amendments([segment.id]).get(segment.id, [])
    if any(a.screenshot_sha256 == shot.sha256 for a in amendments):
        raise InvalidInput("That screenshot is already deleted.")
    store.add_amendment(
        segment.id, AmendmentKind.DELETE_SCREENSHOT, reason=reason, screenshot_sha256=shot.sha256
    )
    still_used = [
        other
        for other in store.screenshots_with_hash(shot.sha256)
        if other.id != shot.id and not _deleted(store, other)
    ]
    if not still_used:
        _remove_files(data_dir, shot)
    return shot


def _deleted(store: Store, shot: Screenshot) -> bool:
    segment = store.segments_by_id([shot.segment_id])[0]
    amendments = store.amendments([segment.id]).get(segment.id, [])
    return view_segment(segment, amendments=amendments).state is SegmentState.DELETED


def _remove_files(data_dir: Path, shot: Screenshot) -> None:
    for relative in (shot.path, shot.thumb_path):
        if relative is None:
            continue
        try:
            (data_dir / relative).unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not remove %s: %s", relative, error)
            raise EnvironmentProblem(
                f"The screenshot is deleted from the diary and will never be sent, but its file "
                f"{data_dir / relative} could not be removed ({error.strerror or error}). "
                "Remove it by hand."
            ) from error


def week_locked(start: datetime, now: datetime) -> bool:
    """Whether time starting at ``start`` lies in a week whose diary has locked by ``now``."""
    return now >= lock_at(start)


def _refuse_locked(start: datetime, now: datetime) -> None:
    if week_locked(start, now):
        monday = week_start(start) + WEEK
        raise InvalidInput(
            f"The week of {week_start(start):%Y-%m-%d} locked on {monday:%Y-%m-%d} at 12:00 UTC: "
            "it has been invoiced, so its time can no longer be changed. Raise a dispute with "
            "the client instead."
        )


#: A deletion's reason travels with it to the client, as short as a memo's line.
REASON_MAX = 200


def validate_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "A reason is required: your client sees why the time was deleted.",
            code="reason-required",
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            f"The reason is {len(reason)} characters long; at most {REASON_MAX} are allowed.",
            code="reason-too-long",
        )
    return reason


def delete_segments(
    store: Store, segment_ids: list[str], now: datetime, reason: str = "deleted by the freelancer"
) -> int:
    """Delete segments (they stop counting), for a reason the client sees; returns how many
    were not deleted already."""
    reason = validate_reason(reason)
    segments = store.segments_by_id(segment_ids)
    for segment in segments:
        _refuse_locked(segment.start, now)
    deleted = 0
    amendments = store.amendments(segment_ids)
    with store.atomic():
        for segment in segments:
            view = view_segment(segment, amendments=amendments.get(segment.id, []))
            if view.state is SegmentState.DELETED:
                continue
            store.add_amendment(segment.id, AmendmentKind.DELETE_SEGMENT, reason=reason)
            deleted += 1
    return deleted


def edit_memo(store: Store, segment_ids: list[str], memo: str, now: datetime) -> None:
    """A new memo for closed segments (the segment in progress takes the memo field's)."""
    memo = validate_memo(memo)
    segments = store.segments_by_id(segment_ids)
    for segment in segments:
        _refuse_locked(segment.start, now)
        if segment.end is None:
            raise InvalidInput(
                "The segment in progress takes its memo from the memo field: edit it there."
            )
    with store.atomic():
        for segment in segments:
            store.add_amendment(segment.id, AmendmentKind.MEMO, memo=memo)


def add_manual_time(
    store: Store, contract_id: int, start: datetime, end: datetime, memo: str, now: datetime
) -> list[Segment]:
    """Add time by hand, in whole minutes, as manual segments cut at the 10-minute slots.

    Manual time is never covered by payment protection, so it is allowed only where the
    contract allows it, never in the future, never over time already recorded, and never
    past the weekly limit.
    """
    memo = validate_memo(memo)
    contract = store.contract(contract_id)
    if contract.archived_at is not None:
        raise InvalidInput(
            f"Contract {contract.id} ({contract.title}) is archived: it takes no new time until "
            "it is brought back.",
            code="contract-archived",
        )
    if not contract.manual_allowed:
        # Contracts are all the freelancer's own so far, so the freelancer decides; for a
        # marketplace contract the client will.
        raise InvalidInput(
            f"Contract {contract.id} ({contract.title}) does not allow manual time. It is your "
            "own contract, so you decide: allow manual time in its settings, or track the time "
            "with the timer.",
            code="manual-not-allowed",
        )
    start, end = minute_floor(start), minute_floor(end)
    if end <= start:
        raise InvalidInput("Manual time needs an end after its start (in whole minutes).")
    if end > now:
        raise InvalidInput("Manual time cannot end in the future.")
    if end - start > timedelta(hours=24):
        raise InvalidInput("Add at most 24 hours of manual time at once.")
    _refuse_locked(start, now)
    taken = [
        s
        for s in store.segments_between(slot_start(start), end)
        if s.start < end and (s.end or now) > start
    ]
    if taken:
        first = taken[0]
        raise InvalidInput(
            f"That time overlaps time already recorded ({first.start:%H:%M}-"
            f"{(first.end or now):%H:%M} UTC): manual time can only fill gaps."
        )
    if contract.weekly_limit_minutes:
        used = week_billable_seconds(store, contract.id, start)
        if used + (end - start).total_seconds() > contract.weekly_limit_minutes * 60:
            raise InvalidInput(
                f"That would pass the weekly limit of {contract.weekly_limit_minutes / 60:g} h "
                "for this contract."
            )
    added: list[Segment] = []
    with store.atomic():
        cursor = start
        while cursor < end:
            piece_end = min(end, slot_end(cursor))
            segment = Segment(
                id=uuid.uuid4().hex,
                contract_id=contract.id,
                kind=SegmentKind.MANUAL,
                start=cursor,
                end=None,
                memo=memo,
                created_at=now,
            )
            store.open_segment(segment)
            store.close_segment(segment.id, piece_end, "added by hand")
            added.append(
                replace(segment, end=piece_end, closed_at=now, close_reason="added by hand")
            )
            cursor = piece_end
    return added
