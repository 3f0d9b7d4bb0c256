"""The fields of a contract the freelancer types, and their rules: a title and a client of at
most 200 characters without control characters, an hourly rate in cents, a weekly limit."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from .errors import InvalidInput

NAME_MAX = 200
#: The highest hourly rate, in dollars (or the contract's currency): far above any real one,
#: and far below what the database's integers hold in cents.
RATE_MAX = 100_000
_RATE = re.compile(r"\d+(?:\.\d{1,2})?")


def validate_name(text: str, what: str) -> str:
    """A contract's title or client: required, at most 200 characters, nothing that is not
    text (control or direction-changing characters would reach terminals as they are)."""
    text = text.strip()
    if not text:
        raise InvalidInput(f"A contract needs a {what}.", code="contract-field")
    if len(text) > NAME_MAX:
        raise InvalidInput(
            f"The {what} is {len(text)} characters long; at most {NAME_MAX} are allowed.",
            code="contract-field",
        )
    odd = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if odd:
        raise InvalidInput(
            f"The {what} holds a character that is not text ({ord(odd[0]):#06x}).",
            code="contract-field",
        )
    return text


def parse_rate(text: str) -> int:
    """An hourly rate like 45 or 45.00, in cents."""
    text = text.strip()
    if not _RATE.fullmatch(text):
        raise InvalidInput(
            f"The rate must be a number like 45.00 (at most two decimals), not {text[:40]!r}.",
            code="contract-field",
        )
    value = Decimal(text)
    if value > RATE_MAX:
        raise InvalidInput(
            f"The rate must be at most {RATE_MAX:,} an hour, not {text}.", code="contract-field"
        )
    return int(value * 100)


def parse_weekly_limit(text: str) -> int:
    """A weekly limit in hours (0 for none), in whole minutes."""
    try:
        hours = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(
            f"The weekly limit must be a number of hours, not {text[:40]!r}.", code="contract-field"
        ) from None
    if not hours.is_finite() or hours < 0 or hours > 168:
        raise InvalidInput(
            f"The weekly limit must be 0 (no limit) to 168 hours, not {text[:40]}.",
            code="contract-field",
        )
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise InvalidInput(
            f"The weekly limit must be a whole number of minutes, not {text[:40]} h.",
            code="contract-field",
        )
    return int(minutes)
