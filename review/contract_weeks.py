"""A client's contracts on the marketplace and their latest billing weeks: each week's state,
hours and where its money is, for the list a client picks a week to review from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from diary.bundle_writer import week_label
from diary.times import WEEK, parse_timestamp, week_start

#: How many weeks back the list goes, this one included: a week in review is last week's.
WEEKS_SHOWN = 4


class WeeksClient(Protocol):
    """What the list needs of a marketplace client (sync.marketplace_client's)."""

    def contracts(self) -> list[dict[str, Any]]: ...

    def week(self, contract: str, week: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ContractWeeks:
    contract: dict[str, Any]
    #: The weeks as the marketplace shows them (GET /v1/contracts/{id}/weeks/{week}), the
    #: latest first, none before the contract began.
    weeks: list[dict[str, Any]]


def contract_weeks(
    client: WeeksClient, now: datetime, shown: int = WEEKS_SHOWN
) -> list[ContractWeeks]:
    """Every contract the signed-in account is party to, with its latest ``shown`` weeks."""
    found = []
    this_week = week_start(now)
    for contract in client.contracts():
        if contract["accepted_at"] is None:
            continue  # offered, not taken up: no week of it has anything to review
        began = week_start(parse_timestamp(contract["accepted_at"]))
        starts = [this_week - n * WEEK for n in range(shown)]
        weeks = [client.week(contract["id"], week_label(s)) for s in starts if s >= began]
        found.append(ContractWeeks(contract, weeks))
    return found
