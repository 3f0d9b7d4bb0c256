"""What one cell of a day grid shows, whoever's diary it is: the freelancer's own (from the
device's database) or a week under review (from a bundle). The cells paint only this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from diary.records import SegmentState
from tracker.zones import Zone


@dataclass(frozen=True)
class Badge:
    """A sign in a cell's title line: it reads without colour, and its tooltip says why."""

    sign: str
    colour: str
    #: The legend's word for it, and the start of the accessible name.
    label: str
    #: What the cell's tooltip says over it.
    text: str


@dataclass(frozen=True)
class CellContent:
    """One segment as a cell shows it. ``subject`` is the source's own record of the segment
    (a SegmentView in the diary, a reviewed segment in a review), for the view's actions."""

    key: str
    subject: Any
    start: datetime
    end: datetime | None
    state: SegmentState
    memo: str
    #: The activity bar of each minute of the slot (activity_meter's states); empty for manual
    #: time, which has no activity to show.
    minute_states: tuple[int, ...]
    bars_tooltip: str
    #: The thumbnail to show and the full picture a click opens; None when there is none.
    thumbnail: Path | None
    picture: Path | None
    #: When the picture was taken, for the viewer's title.
    picture_taken: datetime | None
    #: What the thumbnail's place says when there is none ("Deleted", "No screenshot"), and
    #: its tooltip (why a screenshot is missing).
    placeholder: str
    thumbnail_tooltip: str
    #: The contract's name, in a diary of several contracts; else empty.
    contract: str = ""
    badges: tuple[Badge, ...] = ()
    #: The segment in full, for the line under the grid when it is the latest selected.
    details: str = ""


class DaySource(Protocol):
    """Where a day grid's cells come from: the freelancer's diary or a reviewed week."""

    def day_cells(self, zone: Zone, day: date) -> list[CellContent]:
        """The segments that start in ``day``'s slots on ``zone``'s clock, as cells."""
        ...
