"""The engine's records: frozen dataclasses with aware UTC datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class SegmentKind(StrEnum):
    """How a segment came to be: recorded by the tracker, or added by hand."""

    TRACKED = "tracked"
    MANUAL = "manual"


class SegmentState(StrEnum):
    """What a segment counts as after every amendment is applied."""

    TRACKED = "tracked"
    MANUAL = "manual"
    DELETED = "deleted"
    IDLE_DISCARDED = "idle-discarded"
    OVER_LIMIT = "over-limit"


class AmendmentKind(StrEnum):
    """A later change to a closed segment. Segments never change; amendments are appended."""

    MEMO = "memo"
    DELETE_SEGMENT = "delete-segment"
    DELETE_SCREENSHOT = "delete-screenshot"
    IDLE_DISCARD = "idle-discard"
    OVER_LIMIT = "over-limit"


class IdlePolicy(StrEnum):
    """What happens to idle time when input resumes."""

    KEEP = "keep"
    DISCARD = "discard"
    ASK = "ask"


@dataclass(frozen=True)
class Contract:
    """An hourly contract. A weekly limit of 0 minutes means no limit."""

    id: int
    title: str
    client: str
    rate_cents: int
    weekly_limit_minutes: int
    manual_allowed: bool
    created_at: datetime

    @property
    def rate(self) -> Decimal:
        return Decimal(self.rate_cents) / 100


@dataclass(frozen=True)
class MinuteActivity:
    """Input counts for one clock minute. Never which key, never where the pointer was."""

    start: datetime
    keys: int = 0
    clicks: int = 0
    scrolls: int = 0
    moves: int = 0
    injected: int = 0
    unavailable: str | None = None

    @property
    def active(self) -> bool:
        """A minute is active if it had any real input; injected events never count."""
        return (self.keys + self.clicks + self.scrolls + self.moves) > 0


@dataclass(frozen=True)
class Screenshot:
    """One screenshot (or the record that it could not be taken, with the reason)."""

    id: int
    segment_id: str
    taken_at: datetime
    sha256: str | None
    path: str | None
    thumb_path: str | None
    width: int
    height: int
    monitors: int
    size_bytes: int
    blurred: bool
    missing_reason: str | None


@dataclass(frozen=True)
class Segment:
    """Tracked or manual time inside one 10-minute slot; ``end`` is None while it is open."""

    id: str
    contract_id: int
    kind: SegmentKind
    start: datetime
    end: datetime | None
    memo: str
    created_at: datetime
    closed_at: datetime | None = None
    close_reason: str | None = None


@dataclass(frozen=True)
class Amendment:
    """A later change to a segment: ``start``/``end`` bound an idle discard, and
    ``screenshot_sha256`` names the screenshot a delete-screenshot removed."""

    id: int
    segment_id: str
    made_at: datetime
    kind: AmendmentKind
    memo: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    reason: str | None = None
    screenshot_sha256: str | None = None


@dataclass(frozen=True)
class IdlePeriod:
    """Minutes without input; ``end`` and ``resolution`` stay None while the period is pending."""

    id: int
    contract_id: int
    start: datetime
    end: datetime | None
    detected_at: datetime
    resolution: str | None = None
    resolved_at: datetime | None = None
