"""Durations in words, the same in every front end: exact H:MM:SS, and rounded "2 h 05 min"."""

from __future__ import annotations


def clock_text(seconds: int) -> str:
    """Exact hours, minutes and seconds: 1593 s is 0:26:33."""
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def duration_text(seconds: int) -> str:
    """Whole minutes (seconds under a minute): 7530 s is "2 h 05 min", 42 s is "42 s"."""
    if 0 < seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(max(0, seconds), 3600)
    minutes = rest // 60
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
