"""Times as the freelancer reads them: on this computer's local clock, or in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Zone:
    """Where times are read: the computer's local time zone, or UTC.

    The diary is stored and signed in UTC, and billing weeks are UTC whatever is shown; a zone
    only changes how moments are written and which moments make up a day. The local zone is
    the system's (the TZ variable or /etc/localtime), read at each call, as everywhere else in
    the app.
    """

    local: bool

    def wall(self, when: datetime) -> datetime:
        """``when`` (aware) as this zone's clock reads it, with that moment's offset."""
        return when.astimezone() if self.local else when.astimezone(UTC)

    def moment(self, day: date, at: time) -> datetime:
        """The moment (aware, UTC) at which this zone's clock reads ``day`` ``at``.

        A local time that does not exist (skipped when clocks go forward) is read with the
        offset from before the change; one that happens twice, at its first occurrence.
        """
        naive = datetime.combine(day, at)
        aware = naive.astimezone() if self.local else naive.replace(tzinfo=UTC)
        return aware.astimezone(UTC)

    def day_range(self, day: date) -> tuple[datetime, datetime]:
        """Where ``day`` starts and ends on this zone's clock, in UTC: 23 or 25 hours apart on
        the days the clocks change."""
        return self.moment(day, time()), self.moment(day + timedelta(days=1), time())

    def today(self, now: datetime) -> date:
        return self.wall(now).date()

    def name(self, when: datetime) -> str:
        """What the clock is at ``when``: "UTC", or the local zone's name and offset,
        "EST, UTC−05:00"."""
        if not self.local:
            return "UTC"
        local = when.astimezone()
        return f"{local.tzname()}, {offset_text(local.utcoffset() or timedelta())}"


def offset_text(offset: timedelta) -> str:
    """An offset from UTC as people write it: "UTC+01:00", "UTC−05:00", "UTC+05:45"."""
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


LOCAL = Zone(local=True)
UTC_ZONE = Zone(local=False)
