"""What the endpoints share: problem answers in the OpenAPI description, and JSON shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from diary.times import timestamp

from ..models import Account

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_DESCRIPTIONS = {
    400: "Malformed JSON",
    401: "Not signed in, or the token is unknown, revoked or expired",
    403: "Your account's role may not do this",
    404: "Not found, or not yours to see",
    409: "Refused: it conflicts with what the marketplace holds",
    413: "Too large",
    422: "Refused: the request or a record is invalid",
    429: "Too many tries: wait as long as Retry-After says",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers for refusals: application/problem+json with the Problem schema."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
        for status in (*statuses, 400, 422)
    }


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp(moment)


def account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "role": account.role.value,
    }
