"""A week under review as day-grid cells: what `review --json` said of each segment (verified or
the reason not, protection, flags), and its screenshots taken from the bundle file."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from diary.limits import LIMITS
from diary.members import screenshot_member
from diary.records import SegmentState
from diary.schema import HASH
from diary.times import parse_timestamp, slot_start
from tracker.day_grid import day_slots
from tracker.durations import clock_text
from tracker.zones import Zone

from .cell_content import Badge, CellContent
from .diary_cells import STATE_LOOK, bar_states

VERIFIED = Badge("✓", "#1b6e3a", "Verified", "")
FAILED = Badge("✗", "#b3261e", "Failed", "")
PROTECTED = Badge("P", "#1f5fa8", "Protected", "")
UNPROTECTED = Badge("–", "#6b6b6b", "Not protected", "")
FLAGGED = Badge("⚑", "#8a5a00", "Flagged", "")
DISPUTED = Badge("!", "#8a5a00", "Disputed", "")

#: The review's signs, for its legend.
REVIEW_BADGES = (VERIFIED, FAILED, PROTECTED, UNPROTECTED, FLAGGED, DISPUTED)


@dataclass(frozen=True)
class ReviewedSegment:
    """One segment as the review gave it (its JSON), with the times read."""

    id: str
    start: datetime
    end: datetime
    state: SegmentState
    facts: dict[str, Any]

    @property
    def verified(self) -> bool:
        return bool(self.facts["verified"])

    @property
    def protected(self) -> bool:
        return bool(self.facts["protected"])

    @property
    def billable_seconds(self) -> int:
        return int(self.facts["billable_seconds"])


class ReviewSource:
    """The week of one review. ``disputed`` names the segments under dispute on the
    marketplace (segment id -> what to say of it); a bundle alone has none."""

    def __init__(
        self,
        review: dict[str, Any],
        bundle: Path,
        contract: str = "",
        disputed: dict[str, str] | None = None,
    ) -> None:
        self.review = review
        self.contract = contract
        self.disputed = disputed or {}
        self.segments = [
            ReviewedSegment(
                s["id"],
                parse_timestamp(s["start"]),
                parse_timestamp(s["end"]),
                SegmentState(s["state"]),
                s,
            )
            for s in review["segments"]
        ]
        # The screenshots, out of the zip into a folder of this review's own, gone with it.
        self._folder = tempfile.TemporaryDirectory(prefix="workdiary-review-")
        self.pictures = extract_screenshots(
            bundle,
            {sha for s in self.segments for sha in s.facts["screenshots"]},
            Path(self._folder.name),
        )

    def close(self) -> None:
        self._folder.cleanup()

    def days(self) -> list[date]:
        """The UTC days of the bundle's period."""
        period = self.review.get("period") or {}
        if not period:
            return sorted({s.start.date() for s in self.segments})
        start, end = parse_timestamp(period["start"]), parse_timestamp(period["end"])
        return [start.date().fromordinal(n) for n in range(start.toordinal(), end.toordinal())]

    def segment(self, segment_id: str) -> ReviewedSegment:
        return next(s for s in self.segments if s.id == segment_id)

    def day_cells(self, zone: Zone, day: date) -> list[CellContent]:
        first, end = day_slots(zone, day)
        return [self._cell(s, zone) for s in self.segments if first <= s.start < end]

    def _cell(self, segment: ReviewedSegment, zone: Zone) -> CellContent:
        facts = segment.facts
        shot = next(iter(facts["screenshots"]), None)
        picture = None if shot is None else self.pictures.get(shot)
        minutes = facts.get("minutes", [])
        return CellContent(
            key=segment.id,
            subject=segment,
            start=segment.start,
            end=segment.end,
            state=segment.state,
            memo=facts["memo"],
            minute_states=bar_states(
                slot_start(segment.start),
                ((parse_timestamp(m["start"]), bool(m["active"])) for m in minutes),
            )
            if minutes
            else (),
            bars_tooltip=_minutes_text(facts, zone),
            thumbnail=picture,
            picture=picture,
            picture_taken=None
            if shot is None
            else parse_timestamp(facts.get("screenshots_taken", [facts["start"]])[0]),
            placeholder="Deleted" if segment.state is SegmentState.DELETED else "No screenshot",
            thumbnail_tooltip="" if picture else "The bundle holds no screenshot of this segment.",
            contract=self.contract,
            badges=self.badges(segment),
            details=self.describe(segment, zone),
        )

    def badges(self, segment: ReviewedSegment) -> tuple[Badge, ...]:
        facts = segment.facts
        found = []
        if segment.verified:
            found.append(_with(VERIFIED, "Verified: " + _received(facts)))
        else:
            found.append(_with(FAILED, "Did not verify: " + "; ".join(facts["failures"])))
        if segment.protected:
            found.append(_with(PROTECTED, facts["protection"] or "Protected."))
        else:
            found.append(_with(UNPROTECTED, facts["protection"] or "Not protected."))
        if facts["flags"]:
            found.append(_with(FLAGGED, "\n".join(_flag_text(f) for f in facts["flags"])))
        if segment.id in self.disputed:
            found.append(_with(DISPUTED, self.disputed[segment.id]))
        return tuple(found)

    def describe(self, segment: ReviewedSegment, zone: Zone) -> str:
        """The segment in full, for the line under the grid."""
        facts = segment.facts
        start, end = zone.wall(segment.start), zone.wall(segment.end)
        parts = [
            f"{start:%a %H:%M}–{end:%H:%M} {start.tzname()}",
            STATE_LOOK[segment.state][2],
            f"{clock_text(segment.billable_seconds)} billable",
            f"{facts['active_minutes']} of {facts['tracked_minutes']} min active",
            "verified" if segment.verified else "FAILED: " + "; ".join(facts["failures"]),
            "protected" if segment.protected else "not protected",
            _received(facts),
        ]
        lines = [" · ".join(parts), f"Memo: {facts['memo']}"]
        if not segment.protected:
            lines.append(facts["protection"])
        lines.extend(f"Observed: {_flag_text(f)}" for f in facts["flags"])
        if segment.id in self.disputed:
            lines.append(self.disputed[segment.id])
        return "\n".join(lines)


def _with(badge: Badge, text: str) -> Badge:
    return Badge(badge.sign, badge.colour, badge.label, text)


def _flag_text(flag: dict[str, Any]) -> str:
    return f"{flag['seen']} (Flagged at: {flag['threshold']}.)"


def _received(facts: dict[str, Any]) -> str:
    lag = facts.get("lag_seconds")
    if lag is None:
        return "no receipt from a marketplace"
    if lag < 60:
        return "received within a minute of its end"
    return f"received {clock_text(int(lag))} after it ended"


def _minutes_text(facts: dict[str, Any], zone: Zone) -> str:
    minutes = facts.get("minutes", [])
    if not minutes:
        return ""
    lines = [f"{facts['active_minutes']} of {facts['tracked_minutes']} min active"]
    for m in minutes:
        lines.append(
            f"{zone.wall(parse_timestamp(m['start'])):%H:%M}  keys {m['keys']}, clicks "
            f"{m['clicks']}, scrolls {m['scrolls']}, moves {m['moves']}"
            + (f", injected {m['injected']}" if m["injected"] else "")
        )
    return "\n".join(lines)


def extract_screenshots(bundle: Path, wanted: set[str], folder: Path) -> dict[str, Path]:
    """The named screenshots of ``bundle``, each copied to ``folder``; those missing or larger
    than the protocol allows are left out (verify has said what is wrong with them)."""
    found: dict[str, Path] = {}
    try:
        with zipfile.ZipFile(bundle) as archive:
            names = set(archive.namelist())
            for sha in sorted(wanted):
                if not HASH(sha):
                    continue
                name = screenshot_member(sha)
                if name not in names:
                    continue
                info = archive.getinfo(name)
                if info.file_size > LIMITS.screenshot:
                    continue
                with archive.open(info) as member:
                    data = member.read(LIMITS.screenshot + 1)
                if len(data) > LIMITS.screenshot:
                    continue
                path = folder / f"{sha}.jpg"
                path.write_bytes(data)
                found[sha] = path
    except (OSError, zipfile.BadZipFile):
        return found  # the review said what is wrong with the file
    return found
