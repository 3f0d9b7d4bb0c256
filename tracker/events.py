"""What the engine tells its listeners (the command line, the UI bridge, the signer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from diary.records import MinuteActivity

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
class MinuteRecorded:
    """A finished minute's counts were saved (the desktop app's activity meter shows them)."""

    segment_id: str
    minute: MinuteActivity


@dataclass(frozen=True)
class ScreenshotTaken:
    screenshot: Screenshot


@dataclass(frozen=True)
class IdleStarted:
    since: datetime


@dataclass(frozen=True)
class IdleQuestion:
    """Input resumed after idle time and the policy is 'ask': answer with
    ``Engine.resolve_idle(period_id, keep)``."""

    start: datetime
    end: datetime
    period_id: int


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
    | MinuteRecorded
    | ScreenshotTaken
    | IdleStarted
    | IdleQuestion
    | IdleResolved
    | LimitReached
    | ClockJumped
    | ActivityUnavailable
    | TrackingStopped
)
