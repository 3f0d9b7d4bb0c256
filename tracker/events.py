"""What the engine tells its listeners (the command line, the UI bridge, later the signer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .records import Screenshot, Segment


@dataclass(frozen=True)
class TrackingStarted:
    contract_id: int
    at: datetime
    segment: Segment


@dataclass(frozen=True)
class SegmentClosed:
    """A segment is final: its minutes and end will never change (amendments may follow)."""

    segment: Segment
    reason: str


@dataclass(frozen=True)
class ScreenshotTaken:
    screenshot: Screenshot


@dataclass(frozen=True)
class IdleStarted:
    since: datetime


@dataclass(frozen=True)
class IdleQuestion:
    """Input resumed after idle time and the policy is 'ask': call Engine.resolve_idle()."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class IdleResolved:
    start: datetime
    end: datetime
    kept: bool
    why: str


@dataclass(frozen=True)
class LimitReached:
    contract_id: int
    at: datetime
    limit_minutes: int


@dataclass(frozen=True)
class ClockJumped:
    """Wall time moved apart from monotonic time: 'suspend', 'forward' or 'backward'."""

    kind: str
    seconds: float
    at: datetime
    resumes_at: datetime | None


@dataclass(frozen=True)
class ActivityUnavailable:
    reason: str


@dataclass(frozen=True)
class TrackingStopped:
    at: datetime
    reason: str


EngineEvent = (
    TrackingStarted
    | SegmentClosed
    | ScreenshotTaken
    | IdleStarted
    | IdleQuestion
    | IdleResolved
    | LimitReached
    | ClockJumped
    | ActivityUnavailable
    | TrackingStopped
)
