"""The engine's own records (contracts, segments, screenshots, amendments, idle periods): frozen
dataclasses with aware UTC datetimes. The wire enums and minutes are the protocol's (diary.records)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from diary.records import AmendmentKind, ScreenshotEntry, SegmentKind
from diary.rules import Change


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
    #: When the freelancer archived it (it leaves the pickers; its recorded time stays).
    archived_at: datetime | None = None
    #: The marketplace's id for it, when it came from a marketplace (docs/protocol.md,
    #: "Contract ids"); None for a contract that exists only on this device.
    marketplace_id: str | None = None

    @property
    def reference(self) -> str:
        """How signed records name it: the marketplace's id, or its number on this device."""
        return self.marketplace_id or str(self.id)

    @property
    def rate(self) -> Decimal:
        return Decimal(self.rate_cents) / 100


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

    def entry(self) -> ScreenshotEntry:
        """What the segment's signed record says of this screenshot."""
        return ScreenshotEntry(self.taken_at, self.sha256, self.missing_reason, self.blurred)


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

    def change(self) -> Change:
        """The amendment as the hours rule sees it (made in the order of its row id)."""
        return Change(self.kind, self.made_at, self.id, self.memo, self.start, self.end)


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
