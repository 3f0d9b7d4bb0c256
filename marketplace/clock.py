"""The server's clock, injected everywhere that asks the time: the system's, or a file's (the
tests move the billing week by writing a time to the file)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from diary.times import parse_timestamp

from .errors import ClockUnusable


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class FileClock:
    """The time written in a file (2026-11-25T10:00:00Z), read afresh at every call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.now()
        except (OSError, ValueError) as error:
            raise ClockUnusable(
                f"The clock file {path} cannot be read as a time like 2026-11-25T10:00:00Z "
                f"({getattr(error, 'strerror', None) or error})."
            ) from error

    def now(self) -> datetime:
        return parse_timestamp(self.path.read_text(encoding="utf-8").strip())
