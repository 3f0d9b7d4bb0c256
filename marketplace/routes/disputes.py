"""Disputes and mediation: reading a dispute, commenting on it, and a mediator's decisions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..mediation import comment, decide, dispute_json, disputes_for, visible_dispute
from ..models import Ruling
from ..schemas import CommentIn, DecisionIn, DisputeDetailOut
from ..service import Market, Token, signed_in
from .common import problems

router = APIRouter(tags=["disputes"])


@router.get("/v1/disputes", response_model=list[DisputeDetailOut], responses=problems(401))
def list_disputes(token: Token, market: Market) -> list[dict[str, Any]]:
    """A mediator's: every dispute with a segment not decided yet. A client's or freelancer's:
    the disputes of their contracts."""
    with market.transaction() as tx:
        account = signed_in(tx, token, market.now())
        return [dispute_json(tx, market.blobs, d) for d in disputes_for(tx, account)]


@router.get(
    "/v1/disputes/{dispute_id}", response_model=DisputeDetailOut, responses=problems(401, 404)
)
def read_dispute(dispute_id: str, token: Token, market: Market) -> dict[str, Any]:
    with market.transaction() as tx:
        account = signed_in(tx, token, market.now())
        dispute, _ = visible_dispute(tx, account, dispute_id)
        return dispute_json(tx, market.blobs, dispute)


@router.post(
    "/v1/disputes/{dispute_id}/comments",
    status_code=201,
    response_model=DisputeDetailOut,
    responses=problems(401, 404),
)
def comment_dispute(
    dispute_id: str, body: CommentIn, token: Token, market: Market
) -> dict[str, Any]:
    """The freelancer answers a dispute (its client and a mediator may comment too)."""
    with market.transaction() as tx:
        now = market.now()
        account = signed_in(tx, token, now)
        dispute = comment(tx, account, dispute_id, body.text, now)
        return dispute_json(tx, market.blobs, dispute)


@router.post(
    "/v1/disputes/{dispute_id}/decisions",
    status_code=201,
    response_model=DisputeDetailOut,
    responses=problems(401, 403, 404, 409),
)
def decide_segment(
    dispute_id: str, body: DecisionIn, token: Token, market: Market
) -> dict[str, Any]:
    """A mediator decides one disputed segment: pay it to the freelancer, or refund it to the
    client, with a reason both sides see."""
    with market.transaction() as tx:
        now = market.now()
        account = signed_in(tx, token, now)
        decide(
            tx,
            market.blobs,
            account,
            dispute_id,
            body.segment,
            Ruling(body.decision),
            body.reason,
            now,
        )
        dispute, _ = visible_dispute(tx, account, dispute_id)
        return dispute_json(tx, market.blobs, dispute)
