"""What a contract's billing week earns: exact, in cents, rounded half up once for the week."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tracker.week import week_earnings_cents


@pytest.mark.parametrize(
    ("seconds", "rate_cents", "cents"),
    [
        (70 * 60, 4500, 5250),  # 1 h 10 min at $45.00
        (600, 1203, 201),  # 200.5 cents: half up
        (1200, 1203, 401),  # two such days together, not 2 x 201
        (1, 1799, 0),  # 0.4997 cents
        (1, 1800, 1),  # 0.5 cents
        (0, 4500, 0),
        (3600, 0, 0),
    ],
)
def test_earnings_in_cents(seconds: int, rate_cents: int, cents: int) -> None:
    assert week_earnings_cents(seconds, rate_cents) == cents


def test_earnings_are_exact_for_a_whole_week_at_a_high_rate() -> None:
    seconds, rate_cents = 7 * 24 * 3600 - 1, 99_999_999
    exact = (Decimal(seconds) * rate_cents / 3600).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert week_earnings_cents(seconds, rate_cents) == int(exact)
