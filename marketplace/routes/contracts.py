"""Contracts (offer, accept, weekly limit) and their billing weeks (read, bundle, approve,
dispute). A contract is seen by its client and its freelancer only; to anyone else it does not
exist (404)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from diary.times import WEEK, week_start

from .. import billing
from ..contracts import new_contract_id
from ..models import Account, Contract, ContractState, LimitChange, Role
from ..problems import Problem, not_found
from ..schemas import ContractOut, DisputeIn, DisputeOut, LimitIn, OfferIn, WeekOut
from ..service import Market, Marketplace, Token, signed_in
from ..storage import Transaction
from ..weeks import approve, dispute, settle_contract, week_json, write_week_bundle
from .common import account_json, problems, stamp

router = APIRouter(tags=["contracts"])


def _visible(tx: Transaction, account: Account, contract_id: str) -> Contract:
    """The contract, to its client and freelancer, and to a mediator once it has a dispute
    (to read its weeks and bundles; only its client approves or disputes)."""
    contract = tx.contract(contract_id)
    if contract is not None and account.id in (contract.client, contract.freelancer):
        return contract
    if contract is not None and account.role is Role.MEDIATOR and _disputed(tx, contract):
        return contract
    raise not_found("That contract")


def _disputed(tx: Transaction, contract: Contract) -> bool:
    return any(tx.disputes(contract.id, week.start) for week in tx.weeks(contract.id))


@dataclass(frozen=True)
class _Party:
    """A signed-in party to a contract, in the request's transaction."""

    tx: Transaction
    now: datetime
    account: Account
    contract: Contract


@contextmanager
def _party(market: Marketplace, token: str | None, contract_id: str) -> Iterator[_Party]:
    """The request's transaction, its time, the account signed in and the contract, which it
    must be party to (404 else), under its freelancer's lock: what the request reads of the
    contract's weeks and chains stands still until it ends."""
    with market.transaction() as tx:
        now = market.now()
        account = signed_in(tx, token, now)
        tx.lock_freelancers(_visible(tx, account, contract_id).freelancer)
        # Read again under the lock: an acceptance committed meanwhile shows.
        yield _Party(tx, now, account, _visible(tx, account, contract_id))


def _contract_json(tx: Transaction, contract: Contract, now: datetime) -> dict[str, Any]:
    changes = tx.limit_changes(contract.id)
    this_week = week_start(now)
    client, freelancer = tx.account(contract.client), tx.account(contract.freelancer)
    assert client is not None and freelancer is not None
    return {
        "id": contract.id,
        "title": contract.title,
        "client": account_json(client),
        "freelancer": account_json(freelancer),
        "hourly_rate_cents": contract.rate_cents,
        "weekly_limit_hours": billing.limit_for(changes, this_week),
        "next_weekly_limit_hours": billing.limit_for(changes, this_week + WEEK),
        "manual_time_allowed": contract.manual_time_allowed,
        "state": contract.state.value,
        "created_at": stamp(contract.created_at),
        "accepted_at": stamp(contract.accepted_at),
    }


@router.post(
    "/v1/contracts", status_code=201, response_model=ContractOut, responses=problems(401, 403)
)
def offer(
    body: OfferIn,
    token: Token,
    market: Market,
) -> dict[str, Any]:
    """A client offers an hourly contract to a freelancer, who accepts it."""
    with market.transaction() as tx:
        now = market.now()
        account = signed_in(tx, token, now)
        if account.role is not Role.CLIENT:
            raise Problem("wrong-role", "Only a client offers contracts.")
        freelancer = tx.account_by_email(body.freelancer.strip().lower())
        if freelancer is None or freelancer.role is not Role.FREELANCER:
            raise Problem(
                "no-such-freelancer", f"No freelancer account has the email {body.freelancer!r}."
            )
        contract = Contract(
            id=new_contract_id(),
            client=account.id,
            freelancer=freelancer.id,
            title=body.title,
            rate_cents=body.hourly_rate_cents,
            manual_time_allowed=body.manual_time_allowed,
            state=ContractState.OFFERED,
            created_at=now,
        )
        tx.add_contract(contract)
        tx.add_limit_change(LimitChange(contract.id, body.weekly_limit_hours, week_start(now), now))
        return _contract_json(tx, contract, now)


@router.get("/v1/contracts", response_model=list[ContractOut], responses=problems(401))
def contracts(token: Token, market: Market) -> list[dict[str, Any]]:
    """The contracts you offered (a client) or were offered (a freelancer)."""
    with market.transaction() as tx:
        now = market.now()
        account = signed_in(tx, token, now)
        return [_contract_json(tx, c, now) for c in tx.contracts(account.id)]


@router.get("/v1/contracts/{contract_id}", response_model=ContractOut, responses=problems(401, 404))
def contract(
    contract_id: str,
    token: Token,
    market: Market,
) -> dict[str, Any]:
    with _party(market, token, contract_id) as p:
        return _contract_json(p.tx, p.contract, p.now)


@router.post(
    "/v1/contracts/{contract_id}/accept",
    response_model=ContractOut,
    responses=problems(401, 403, 404, 409),
)
def accept(
    contract_id: str,
    token: Token,
    market: Market,
) -> dict[str, Any]:
    """The freelancer accepts the contract: from now on its records may name it."""
    with _party(market, token, contract_id) as p:
        tx, now, account, found = p.tx, p.now, p.account, p.contract
        if account.id != found.freelancer:
            raise Problem("wrong-role", "Only the contract's freelancer accepts it.")
        if found.state is not ContractState.OFFERED:
            raise Problem("contract-not-offered", f"The contract is {found.state.value} already.")
        tx.set_contract_state(found.id, ContractState.ACTIVE, now)
        updated = tx.contract(found.id)
        assert updated is not None
        return _contract_json(tx, updated, now)


@router.put(
    "/v1/contracts/{contract_id}/weekly-limit",
    response_model=ContractOut,
    responses=problems(401, 403, 404),
)
def weekly_limit(
    contract_id: str,
    body: LimitIn,
    token: Token,
    market: Market,
) -> dict[str, Any]:
    """The client changes the weekly limit: a higher limit (or none) applies this week, a lower
    one from next Monday, so that hours already worked stay billable."""
    with _party(market, token, contract_id) as p:
        tx, now, account, found = p.tx, p.now, p.account, p.contract
        if account.id != found.client:
            raise Problem("wrong-role", "Only the contract's client sets its weekly limit.")
        current = billing.limit_for(tx.limit_changes(found.id), week_start(now))
        hours = body.weekly_limit_hours
        tx.add_limit_change(
            LimitChange(found.id, hours, billing.effective_from(current, hours, now), now)
        )
        return _contract_json(tx, found, now)


def _week(week: str, contract: Contract) -> datetime:
    """Monday 00:00 UTC of the named week of ``contract``; 404 for a name that is no week, or a
    week before the contract was offered."""
    try:
        start = billing.parse_week(week)
    except ValueError as error:
        raise Problem(
            "not-found",
            f"There is no billing week {week[:20]!r} ({error}); weeks are named like 2026-W48.",
        ) from None
    first = week_start(contract.created_at)
    if start < first:
        year, number, _ = first.isocalendar()
        raise Problem(
            "not-found",
            f"The contract began in week {year}-W{number:02d}: it has no week {week} to show.",
        )
    return start


@router.get(
    "/v1/contracts/{contract_id}/weeks/{week}", response_model=WeekOut, responses=problems(401, 404)
)
def read_week(
    contract_id: str,
    week: str,
    token: Token,
    market: Market,
) -> dict[str, Any]:
    """A billing week: its state, hours by the protocol's rules, the amount and where the money
    is, and each segment."""
    with _party(market, token, contract_id) as p:
        settle_contract(p.tx, p.contract, p.now)
        return week_json(p.tx, market.blobs, p.contract, _week(week, p.contract), p.now)


@router.get(
    "/v1/contracts/{contract_id}/weeks/{week}/bundle",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The week as a bundle",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problems(401, 404),
    },
)
def week_bundle(
    contract_id: str,
    week: str,
    token: Token,
    market: Market,
) -> StreamingResponse:
    """The week as a bundle with the marketplace's receipts: check it with `verify`."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed once sent
    with _party(market, token, contract_id) as p:
        start, found = _week(week, p.contract), p.contract
        write_week_bundle(p.tx, market.blobs, market.key, found, start, p.now, spool)
    spool.seek(0)
    name = f"workdiary-{found.id}-{week}.zip"
    return StreamingResponse(
        iter(lambda: spool.read(1 << 20), b""),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
        background=BackgroundTask(spool.close),
    )


@router.post(
    "/v1/contracts/{contract_id}/weeks/{week}/approve",
    response_model=WeekOut,
    responses=problems(401, 403, 404, 409),
)
def approve_week(
    contract_id: str,
    week: str,
    token: Token,
    market: Market,
) -> dict[str, Any]:
    """The client approves a week in review: its amount is released on the release day."""
    with _party(market, token, contract_id) as p:
        start = _week(week, p.contract)
        approve(p.tx, p.account, p.contract, start, p.now)
        return week_json(p.tx, market.blobs, p.contract, start, p.now)


@router.post(
    "/v1/contracts/{contract_id}/weeks/{week}/disputes",
    status_code=201,
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409),
)
def dispute_week(
    contract_id: str,
    week: str,
    body: DisputeIn,
    token: Token,
    market: Market,
) -> dict[str, Any]:
    """The client disputes chosen segments of a week in review, with a reason: their amount
    is held in escrow until a mediator decides."""
    with _party(market, token, contract_id) as p:
        tx, now, found = p.tx, p.now, p.contract
        start = _week(week, found)
        _, item = dispute(
            tx, market.blobs, p.account, found, start, body.segments, body.reason, now
        )
        shown = week_json(tx, market.blobs, found, start, now)
        protected = {s["segment"] for s in shown["segments"] if s["protected"]}
        return {
            "id": item.id,
            "segments": list(item.segments),
            "protected_segments": [s for s in item.segments if s in protected],
            "reason": item.reason,
            "amount_cents": item.amount_cents,
            "week": shown,
        }
