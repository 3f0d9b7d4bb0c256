"""The work diary on the command line: a day as JSON, or as a readable table by hour."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from diary.records import SegmentState
from diary.times import MINUTE, SEGMENT, slot_start
from tracker.durations import duration_text
from tracker.records import Contract, Screenshot
from tracker.views import SegmentView, segment_activity

from .terminal import safe

#: One character a minute in the table.
MARK_ACTIVE, MARK_QUIET, MARK_UNTRACKED, MARK_REMOVED, MARK_MANUAL = "#", "-", ".", "x", "m"


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def screenshot_json(shot: Screenshot, data_dir: Path, deleted: bool) -> dict[str, Any]:
    return {
        "sha256": shot.sha256,
        "path": str(data_dir / shot.path) if shot.path else None,
        "thumb_path": str(data_dir / shot.thumb_path) if shot.thumb_path else None,
        "taken_at": iso(shot.taken_at),
        "width": shot.width,
        "height": shot.height,
        "monitors": shot.monitors,
        "size_bytes": shot.size_bytes,
        "blurred": shot.blurred,
        "missing_reason": shot.missing_reason,
        "deleted": deleted,
    }


def segment_json(view: SegmentView, data_dir: Path) -> dict[str, Any]:
    segment = view.segment
    deleted = view.state is SegmentState.DELETED
    shots = [screenshot_json(s, data_dir, deleted) for s in view.screenshots]
    return {
        "id": segment.id,
        "contract_id": segment.contract_id,
        "kind": segment.kind.value,
        "start": iso(segment.start),
        "end": iso(segment.end),
        "open": segment.end is None,
        "close_reason": segment.close_reason,
        "memo": view.memo,
        "state": view.state.value,
        "active_minutes": view.active_minutes,
        "tracked_minutes": view.tracked_minutes,
        "duration_seconds": view.duration_seconds,
        "billable_seconds": view.billable_seconds,
        "activity_unavailable": view.activity_unavailable,
        "minutes": [
            {
                "start": iso(m.start),
                "keys": m.keys,
                "clicks": m.clicks,
                "scrolls": m.scrolls,
                "moves": m.moves,
                "injected": m.injected,
                "active": m.active,
                "discarded": view.is_discarded(m.start),
                "unavailable": m.unavailable,
            }
            for m in view.minutes
        ],
        "screenshot": shots[0] if shots else None,
        "screenshots": shots,
        "amendments": [
            {
                "kind": a.kind.value,
                "made_at": iso(a.made_at),
                "memo": a.memo,
                "start": iso(a.start),
                "end": iso(a.end),
                "reason": a.reason,
            }
            for a in view.amendments
        ],
    }


def minute_marks(view: SegmentView) -> str:
    """Ten characters for the segment's slot, one for each minute."""
    slot = slot_start(view.segment.start)
    end = view.segment.end or (view.minutes[-1].start + MINUTE if view.minutes else slot)
    by_start = {m.start: m for m in view.minutes}
    removed = view.state in (
        SegmentState.DELETED,
        SegmentState.IDLE_DISCARDED,
        SegmentState.OVER_LIMIT,
    )
    marks = []
    for i in range(10):
        minute = slot + i * MINUTE
        if not (view.segment.start < minute + MINUTE and minute < end):
            marks.append(MARK_UNTRACKED)
        elif removed or view.is_discarded(minute):
            marks.append(MARK_REMOVED)
        elif view.state is SegmentState.MANUAL:
            marks.append(MARK_MANUAL)
        else:
            activity = by_start.get(minute)
            marks.append(MARK_ACTIVE if activity is not None and activity.active else MARK_QUIET)
    return "".join(marks)


def diary_text(views: Iterable[SegmentView], contracts: dict[int, Contract], day: datetime) -> str:
    """A table of the day by hour, the segments one per line, and the totals."""
    views = list(views)
    lines = [f"Work diary for {day:%A %Y-%m-%d} (UTC)"]
    if not views:
        return lines[0] + "\nNothing recorded on this day.\n"
    lines.append(
        f"Each cell is 10 minutes, one mark a minute: {MARK_ACTIVE} active, {MARK_QUIET} no input, "
        f"{MARK_REMOVED} deleted or discarded, {MARK_MANUAL} manual, {MARK_UNTRACKED} not tracked."
    )
    lines.append("")
    lines.append("Hour   " + " ".join(f":{m:02d}".ljust(10) for m in range(0, 60, 10)))
    cells: dict[datetime, str] = {}
    for view in views:
        cells[slot_start(view.segment.start)] = _merge(
            cells.get(slot_start(view.segment.start)), minute_marks(view)
        )
    hours = sorted({when.replace(minute=0) for when in cells})
    for hour in hours:
        row = [cells.get(hour + i * SEGMENT, MARK_UNTRACKED * 10) for i in range(6)]
        lines.append(f"{hour:%H:%M}  " + " ".join(row))
    lines.append("")
    for view in views:
        contract = contracts.get(view.segment.contract_id)
        name = safe(contract.title) if contract else f"contract {view.segment.contract_id}"
        end = f"{view.segment.end:%H:%M:%S}" if view.segment.end else "now     "
        shot = _shot_text(view)
        lines.append(
            f"{view.segment.start:%H:%M:%S}-{end}  {view.state.value:<14} "
            f"{segment_activity(view):<19} {shot:<16} {name}: {safe(view.memo)}"
        )
    total = sum(v.duration_seconds for v in views)
    billable = sum(v.billable_seconds for v in views)
    lines.append("")
    lines.append(f"Total: {duration_text(total)} recorded, {duration_text(billable)} billable.")
    return "\n".join(lines) + "\n"


def _merge(existing: str | None, marks: str) -> str:
    if existing is None:
        return marks
    return "".join(b if a == MARK_UNTRACKED else a for a, b in zip(existing, marks, strict=True))


def _shot_text(view: SegmentView) -> str:
    if not view.screenshots:
        return "no screenshot"
    shot = view.screenshots[0]
    if shot.missing_reason:
        return "screenshot missing"
    return f"screenshot {shot.taken_at:%H:%M:%S}"


def day_range(day: datetime) -> tuple[datetime, datetime]:
    return day, day + timedelta(days=1)
