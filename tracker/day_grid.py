"""A day of the work diary as a grid: a row for each hour on the day's clock, six slots a row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from diary.times import SEGMENT, slot_start

from .views import SegmentView
from .zones import Zone

COLUMNS = 6

#: What a slot holds: the diary's SegmentView, or another side's view of a segment (a review).
T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    """One 10-minute slot (``start`` in UTC) and the segments in it: none, one, or a few when
    tracking stopped and started again inside it."""

    start: datetime
    views: tuple[T, ...]


@dataclass(frozen=True)
class HourRow(Generic[T]):
    """An hour of the day as the zone's clock reads it, and its six slots."""

    label: str
    slots: tuple[Slot[T], ...]


def day_slots(zone: Zone, day: date) -> tuple[datetime, datetime]:
    """The UTC range of the slots that start on ``day`` in ``zone``.

    A local day can begin inside a UTC slot (offsets such as UTC+05:45); that slot belongs to
    the day its start falls on, as does every segment in it.
    """
    start, end = zone.day_range(day)
    return _slot_ceil(start), _slot_ceil(end)


def day_rows(zone: Zone, day: date, views: Iterable[SegmentView]) -> list[HourRow[SegmentView]]:
    """The hours of ``day`` that hold any of ``views``, each with its six slots."""
    return grid_rows(zone, day, views, lambda view: view.segment.start)


def grid_rows(
    zone: Zone, day: date, items: Iterable[T], start_of: Callable[[T], datetime]
) -> list[HourRow[T]]:
    """The hours of ``day`` that hold any of ``items`` (each starting at ``start_of(item)``),
    each with its six slots.

    Hours are those of the zone's clock, so a day has 23 or 25 of them when the clocks change;
    an hour that happens twice is two rows, each label naming its zone ("01:00 EDT").
    """
    by_slot: dict[datetime, list[T]] = {}
    for item in items:
        by_slot.setdefault(slot_start(start_of(item)), []).append(item)
    first, end = day_slots(zone, day)
    hours: dict[datetime, list[Slot[T] | None]] = {}
    slot = first
    while slot < end:
        wall = zone.wall(slot)
        # Aware datetimes compare as moments: the two 01:00 hours of a day the clocks go
        # back are two keys.
        columns = hours.setdefault(wall.replace(minute=0), [None] * COLUMNS)
        columns[wall.minute // 10] = Slot(slot, tuple(by_slot.get(slot, ())))
        slot += SEGMENT
    offsets = {hour.utcoffset() for hour in hours}
    rows: list[HourRow[T]] = []
    for hour, slots in sorted(hours.items()):
        if not any(s is not None and s.views for s in slots):
            continue
        label = f"{hour:%H:%M}" + (f" {hour.tzname()}" if len(offsets) > 1 else "")
        rows.append(HourRow(label, tuple(_filled(hour, slots))))
    return rows


def _filled(hour: datetime, slots: list[Slot[T] | None]) -> list[Slot[T]]:
    """Six slots; at the ends of a day, columns outside it are empty slots of their own time."""
    return [
        s if s is not None else Slot(_slot_ceil(hour + column * SEGMENT), ())
        for column, s in enumerate(slots)
    ]


def _slot_ceil(when: datetime) -> datetime:
    start = slot_start(when)
    return start if start == when else start + SEGMENT
