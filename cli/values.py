"""Command-line values checked before they reach the store: numbers it can hold, periods that
exist."""

from __future__ import annotations

import argparse
import math

#: SQLite's largest integer: a contract number past it cannot name any contract.
LARGEST_ID = 2**63 - 1
#: `track --for` at most a week: the billing week is the longest stretch anyone is paid for.
LONGEST_TRACK_MINUTES = 7 * 24 * 60


def contract_number(text: str) -> int:
    """A contract's number as `contract list` shows it."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= LARGEST_ID:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a contract number: use the number `contract list` shows"
        )
    return number


def minutes_to_track(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        minutes = math.nan
    if not 0 < minutes <= LONGEST_TRACK_MINUTES:  # NaN fails this too
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a number of minutes from more than 0 up to "
            f"{LONGEST_TRACK_MINUTES:,} (a week)"
        )
    return minutes
