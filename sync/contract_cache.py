"""The marketplace's contracts on the device: each contract the freelancer accepted becomes a
contract here, linked to the marketplace's id, so that it works offline; a change of its terms
there (title, rate, weekly limit, manual time) reaches the device at the next sync."""

from __future__ import annotations

from dataclasses import dataclass

from diary.canonical import Json
from tracker.records import Contract
from tracker.store import Store


@dataclass
class CacheReport:
    added: list[Contract]
    updated: list[Contract]


def refresh_contracts(store: Store, contracts: list[Json], account_id: str) -> CacheReport:
    report = CacheReport([], [])
    linked = {c.marketplace_id: c for c in store.contracts() if c.marketplace_id}
    for found in contracts:
        if found.get("state") != "active" or found["freelancer"]["id"] != account_id:
            continue
        limit = found.get("weekly_limit_hours")
        terms = (
            str(found["title"])[:200],
            str(found["client"]["name"])[:200],
            int(found["hourly_rate_cents"]),
            0 if limit is None else int(limit) * 60,
            bool(found["manual_time_allowed"]),
        )
        here = linked.get(found["id"])
        if here is None:
            added = store.add_contract(*terms)
            report.added.append(store.link_marketplace(added.id, str(found["id"])))
        elif (
            here.title,
            here.client,
            here.rate_cents,
            here.weekly_limit_minutes,
            here.manual_allowed,
        ) != terms:
            report.updated.append(store.update_contract(here.id, *terms))
    return report
