"""Disputes after the client raised them: the freelancer's (and anyone's of the dispute's)
comments, and a mediator's decision on each disputed segment, pay or refund, with the money it
moves (docs/api.md, "Disputes and mediation")."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from diary.bundle_writer import week_label
from diary.rules import amount_cents
from diary.times import timestamp

from .blobs import BlobStore
from .models import (
    Account,
    Action,
    Comment,
    Contract,
    Decision,
    Dispute,
    Role,
    Ruling,
    WeekState,
)
from .problems import Problem, not_found
from .protection import segment_unprotected
from .storage.base import Transaction
from .weeks import count_week, settle_week

#: What a comment may hold.
COMMENT_CHARACTERS = 2000


def visible_dispute(tx: Transaction, account: Account, dispute_id: str) -> tuple[Dispute, Contract]:
    """The dispute, if ``account`` may see it: its contract's client and freelancer, and any
    mediator; 404 for everyone else."""
    dispute = tx.dispute(dispute_id)
    contract = None if dispute is None else tx.contract(dispute.contract)
    if dispute is None or contract is None:
        raise not_found("That dispute")
    if account.role is not Role.MEDIATOR and account.id not in (
        contract.client,
        contract.freelancer,
    ):
        raise not_found("That dispute")
    return dispute, contract


def disputes_for(tx: Transaction, account: Account) -> list[Dispute]:
    """A mediator's: every dispute with a segment still undecided; a party's: all of theirs."""
    if account.role is Role.MEDIATOR:
        return tx.open_disputes()
    found = []
    for contract in tx.contracts(account.id):
        for week in tx.weeks(contract.id):
            found += tx.disputes(contract.id, week.start)
    return found


def comment(
    tx: Transaction, account: Account, dispute_id: str, text: str, now: datetime
) -> Dispute:
    dispute, contract = visible_dispute(tx, account, dispute_id)
    tx.add_comment(Comment(dispute.id, account.id, text, now))
    _record(tx, account, contract, dispute, "commented", text[:200], now)
    return dispute


def decide(
    tx: Transaction,
    blobs: BlobStore,
    account: Account,
    dispute_id: str,
    segment_id: str,
    ruling: Ruling,
    reason: str,
    now: datetime,
) -> Decision:
    """A mediator's decision on one disputed segment. A held (unprotected) segment's money
    goes to the freelancer (pay) or back to the client (refund); a protected segment stays
    payable (pay moves nothing), or is refunded while the week's money is not released yet."""
    if account.role is not Role.MEDIATOR:
        raise Problem("wrong-role", "Only a mediator decides disputes.")
    dispute, contract = visible_dispute(tx, account, dispute_id)
    if segment_id not in dispute.segments:
        raise Problem(
            "segment-not-disputed",
            f"Segment {segment_id[:12]} is not one of this dispute's: "
            + ", ".join(s[:12] for s in dispute.segments)
            + ".",
        )
    week = settle_week(tx, contract, dispute.week, now)
    if week is None or week.state not in (WeekState.DISPUTED, WeekState.RELEASED):
        raise Problem("not-in-review", "The week of this dispute is not disputed.")
    disputes = tx.disputes(contract.id, dispute.week)
    decided = {d.segment: d for item in disputes for d in tx.decisions(item.id)}
    if segment_id in decided:
        raise Problem("already-decided", f"Segment {segment_id[:12]} was decided already.")
    count = count_week(tx, contract, dispute.week)
    segments = {s.id: s for s in count.segments}
    held = [
        s
        for item in disputes
        for s in item.segments
        if segment_unprotected(tx, blobs, segments[s], s in count.over_limit)
    ]
    seconds = count.billed(segments[segment_id])
    if segment_id in held:
        before = sum(decided[s].seconds for s in held if s in decided)
        last = all(s in decided or s == segment_id for s in held)
        cents = (
            week.held_cents
            if last
            else amount_cents(before + seconds, contract.rate_cents)
            - amount_cents(before, contract.rate_cents)
        )
        week = replace(week, held_cents=week.held_cents - cents)
        if ruling is Ruling.REFUND:
            week = replace(week, refunded_cents=week.refunded_cents + cents)
            tx.add_payment(contract.client, contract.id, dispute.week, cents, "refunded", now)
        elif week.released_at is not None:  # released already: paid now, else on release day
            week = replace(week, released_cents=week.released_cents + cents)
            tx.add_payment(contract.freelancer, contract.id, dispute.week, cents, "released", now)
    elif ruling is Ruling.REFUND:
        if week.released_at is not None:
            raise Problem(
                "already-released",
                f"The week's money was released on {week.released_at:%Y-%m-%d}: the protected "
                "segment was paid and can no longer be refunded.",
            )
        cents = amount_cents(seconds, contract.rate_cents)
        week = replace(week, refunded_cents=week.refunded_cents + cents)
        tx.add_payment(contract.client, contract.id, dispute.week, cents, "refunded", now)
    else:
        cents = 0  # protected: payable all along
    if week.held_cents == 0 and week.released_at is not None:
        week = replace(week, state=WeekState.RELEASED)
    tx.put_week(week)
    decision = Decision(
        dispute.id, segment_id, ruling.value, reason, seconds, cents, account.id, now
    )
    tx.add_decision(decision)
    _record(
        tx,
        account,
        contract,
        dispute,
        f"decided {ruling.value}",
        f"{segment_id[:12]}: {reason}",
        now,
    )
    return decision


def dispute_json(tx: Transaction, blobs: BlobStore, dispute: Dispute) -> dict[str, Any]:
    contract = tx.contract(dispute.contract)
    assert contract is not None
    count = count_week(tx, contract, dispute.week)
    segments = {s.id: s for s in count.segments}
    decided = {d.segment: d for d in tx.decisions(dispute.id)}
    names = {}
    for comment_ in tx.comments(dispute.id):
        if comment_.account not in names:
            found = tx.account(comment_.account)
            names[comment_.account] = found.name if found else comment_.account
    return {
        "id": dispute.id,
        "contract": dispute.contract,
        "week": week_label(dispute.week),
        "reason": dispute.reason,
        "created_at": timestamp(dispute.created_at),
        "segments": [
            {
                "segment": s,
                "billable_seconds": count.billed(segments[s]) if s in segments else 0,
                "protected": s in segments
                and not segment_unprotected(tx, blobs, segments[s], s in count.over_limit),
                "decision": None if s not in decided else _decision_json(decided[s]),
            }
            for s in dispute.segments
        ],
        "comments": [
            {"by": names[c.account], "text": c.text, "at": timestamp(c.at)}
            for c in tx.comments(dispute.id)
        ],
        "decided": all(s in decided for s in dispute.segments),
    }


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision.decision,
        "reason": decision.reason,
        "cents": decision.cents,
        "decided_at": timestamp(decision.decided_at),
    }


def _record(
    tx: Transaction,
    account: Account,
    contract: Contract,
    dispute: Dispute,
    action: str,
    detail: str,
    at: datetime,
) -> None:
    tx.add_action(Action(account.id, contract.id, dispute.week, action, detail, at))
