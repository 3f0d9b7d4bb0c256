"""The memo rule: what the freelancer is working on, required, at most 1,000 characters."""

from __future__ import annotations

from .errors import InvalidInput

MEMO_MAX = 1000


def validate_memo(memo: str) -> str:
    memo = memo.strip()
    if not memo:
        raise InvalidInput("A memo is required: say what you are working on.", code="memo-required")
    if len(memo) > MEMO_MAX:
        raise InvalidInput(
            f"The memo is {len(memo)} characters long; at most {MEMO_MAX} are allowed.",
            code="memo-too-long",
        )
    return memo
