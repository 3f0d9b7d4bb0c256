"""The record model on the wire: record types, segment kinds and states, amendment kinds, minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

#: The record format; a verifier refuses records of a format it does not know.
FORMAT = "workdiary/1"


class RecordType(StrEnum):
    """What a record is: a key entering the chain, a closed segment, or a later change."""

    KEY = "key"
    SEGMENT = "segment"
    AMENDMENT = "amendment"


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


#: Amendments after which a segment no longer counts (and its screenshots need not travel).
DELETING = frozenset({AmendmentKind.DELETE_SEGMENT, AmendmentKind.DELETE_SCREENSHOT})


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
class ScreenshotEntry:
    """What a segment's record says of one screenshot: its file's hash, or why there is none."""

    taken_at: datetime
    sha256: str | None
    missing: str | None
    blurred: bool


def is_device_contract(contract: str | None) -> bool:
    """Whether a contract id names a contract that exists only on the device (its number
    there) rather than a marketplace's contract (docs/protocol.md, "Contract ids")."""
    return contract is not None and contract.isascii() and contract.isdigit()
