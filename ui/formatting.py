"""How the app writes durations."""

from __future__ import annotations


def clock_text(seconds: int) -> str:
    """Exact hours, minutes and seconds: 1593 s is 0:26:33."""
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
