"""Accounts, sessions (login and logout), who is signed in, and the marketplace's receipt key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import auth
from ..models import Role
from ..problems import Problem
from ..schemas import AccountIn, AccountOut, LoginIn, MarketplaceInfo, MeOut, SessionOut
from ..service import Market, Token, signed_in
from ..weeks import settle_contract
from .common import account_json, problems, stamp

router = APIRouter()


@router.get(
    "/.well-known/workdiary-marketplace", response_model=MarketplaceInfo, tags=["marketplace"]
)
def well_known(market: Market) -> dict[str, Any]:
    """The API's base path and the key that signs every receipt (pin it at first sign-in)."""
    return {"name": market.name, "api": "/v1", "receipt_key": market.key.public.to_json()}


@router.post(
    "/v1/accounts",
    status_code=201,
    response_model=AccountOut,
    responses=problems(409),
    tags=["accounts"],
)
def register(body: AccountIn, market: Market) -> dict[str, Any]:
    """Open an account as a freelancer or a client (mediators are made by the operator)."""
    password_hash = auth.hash_password(body.password)  # slow: before the transaction
    with market.transaction() as tx:
        account = auth.register(
            tx, body.email, password_hash, body.name, Role(body.role), market.now()
        )
    return account_json(account)


@router.post(
    "/v1/sessions",
    status_code=201,
    response_model=SessionOut,
    responses=problems(401, 429),
    tags=["accounts"],
)
def login(body: LoginIn, market: Market) -> dict[str, Any]:
    """Sign in: a bearer token valid for 30 days, until logout. After 10 failed sign-ins with
    one email in 15 minutes, the next waits (429 too-many-sign-ins, with Retry-After)."""
    email = body.email.strip().lower()
    now = market.now()
    with market.reading() as tx:
        auth.check_attempts(tx, email, now)
        account = tx.account_by_email(email)
    try:
        account = auth.check_password(account, body.password)  # slow: outside any transaction
    except Problem:
        with market.transaction() as tx:
            auth.note_failure(tx, email, now)
        raise
    with market.transaction() as tx:
        tx.clear_sign_in_failures(email)
        found = auth.start_session(tx, account, now)
    return {
        "token": found.token,
        "expires_at": stamp(found.session.expires_at),
        "account": account_json(found.account),
    }


@router.delete("/v1/sessions/current", status_code=204, responses=problems(401), tags=["accounts"])
def logout(token: Token, market: Market) -> Response:
    """Sign out: the token is revoked at once."""
    with market.transaction() as tx:
        now = market.now()
        _, session = auth.authenticate(tx, token, now)
        tx.revoke_session(session.token_hash, now)
    return Response(status_code=204)


@router.get("/v1/me", response_model=MeOut, responses=problems(401), tags=["accounts"])
def me(token: Token, market: Market) -> dict[str, Any]:
    """Who is signed in, and their money: released to a freelancer, paid into escrow by a
    client."""
    with market.transaction() as tx:
        now = market.now()
        account = signed_in(tx, token, now)
        contracts = tx.contracts(account.id)
        # A client's contracts have several freelancers: their locks in one call.
        tx.lock_freelancers(*{contract.freelancer for contract in contracts})
        for contract in contracts:
            settle_contract(tx, contract, now)
        balance = tx.balance(account.id)
    return {
        **account_json(account),
        "released_cents": balance.get("released", 0),
        "escrow_cents": balance.get("escrow", 0),
        "refunded_cents": balance.get("refunded", 0),
    }
