"""A contract's billing weeks: what each counts (hours by the protocol's rules, the weekly
limit, the amount), the clock-driven transitions with the money they move, the client's
approval and disputes, and the week as a bundle with receipts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from diary import bundle_writer
from diary.bundle import ContractName
from diary.bundle_writer import (
    SignedRecord,
    device_entry,
    device_stretch,
    screenshot_hashes,
    week_label,
)
from diary.canonical import parse_json
from diary.protection import Unprotected
from diary.records import SegmentState
from diary.rules import amount_cents, over_limit
from diary.times import WEEK, lock_at, timestamp, week_start
from diary.verify import Scope

from .billing import (
    is_locked,
    limit_for,
    release_at,
    review_deadline,
    settle,
)
from .blobs import BlobStore
from .models import Account, Action, Contract, Dispute, Segment, Week, WeekState
from .problems import Problem
from .protection import segment_unprotected
from .receipt_key import ReceiptKey
from .storage import Transaction

COUNTING = (SegmentState.TRACKED.value, SegmentState.MANUAL.value)


@dataclass
class WeekCount:
    """A contract's week as the records count it now."""

    limit_hours: int | None
    segments: list[Segment]
    over_limit: set[str]
    billable_seconds: int = 0
    over_limit_seconds: int = 0
    days: dict[str, int] = field(default_factory=dict)

    def billed(self, segment: Segment) -> int:
        """The seconds of ``segment`` the week bills (none past the weekly limit)."""
        if segment.state not in COUNTING or segment.id in self.over_limit:
            return 0
        return segment.billable_seconds


def count_week(tx: Transaction, contract: Contract, start: datetime) -> WeekCount:
    segments = tx.contract_segments(contract.id, start, start + WEEK)
    limit = limit_for(tx.limit_changes(contract.id), start)
    counting = [(s.id, s.billable_seconds) for s in segments if s.state in COUNTING]
    count = WeekCount(
        limit, segments, over_limit(counting, None if limit is None else limit * 3600)
    )
    for segment in segments:
        seconds = count.billed(segment)
        if segment.state in COUNTING and segment.id in count.over_limit:
            count.over_limit_seconds += segment.billable_seconds
        if seconds:
            count.billable_seconds += seconds
            day = f"{segment.start:%Y-%m-%d}"
            count.days[day] = count.days.get(day, 0) + seconds
    return count


def settle_contract(tx: Transaction, contract: Contract, now: datetime) -> None:
    """Make every transition the clock has made due, for every week since the contract began."""
    if contract.accepted_at is None:
        return
    start = week_start(contract.accepted_at)
    while is_locked(start, now):
        settle_week(tx, contract, start, now)
        start += WEEK


def settle_week(tx: Transaction, contract: Contract, start: datetime, now: datetime) -> Week | None:
    """The week as it stands at ``now`` (None while it is open), after locking it and moving
    the money of each transition that came due."""
    # Under the freelancer's lock, the week read here is the last one written: two requests
    # (in two servers) that find a transition due make it once, the second finding it made.
    tx.lock_freelancers(contract.freelancer)
    week = tx.week(contract.id, start)
    if week is None:
        if not is_locked(start, now):
            return None
        count = count_week(tx, contract, start)
        week = Week(
            contract=contract.id,
            start=start,
            state=WeekState.IN_REVIEW,
            billable_seconds=count.billable_seconds,
            amount_cents=amount_cents(count.billable_seconds, contract.rate_cents),
            held_cents=0,
            released_cents=0,
            locked_at=lock_at(start),
        )
        tx.put_week(week)
        tx.add_payment(
            contract.client, contract.id, start, -week.amount_cents, "escrow", week.locked_at
        )
        _record(
            tx,
            None,
            contract,
            start,
            "locked",
            f"{week.amount_cents} cents to escrow",
            week.locked_at,
        )
    for step in settle(week, now):
        if step.state is WeekState.APPROVED and week.state is WeekState.IN_REVIEW:
            _record(
                tx,
                None,
                contract,
                start,
                "approved",
                "the review deadline passed",
                step.decided_at or now,
            )
        released = step.released_cents - week.released_cents
        if released:
            assert step.released_at is not None
            tx.add_payment(
                contract.freelancer, contract.id, start, released, "released", step.released_at
            )
            _record(tx, None, contract, start, "released", f"{released} cents", step.released_at)
        tx.put_week(step)
        week = step
    return week


def _record(
    tx: Transaction,
    account: Account | None,
    contract: Contract,
    start: datetime | None,
    action: str,
    detail: str,
    at: datetime,
) -> None:
    tx.add_action(Action(account.id if account else None, contract.id, start, action, detail, at))


def _in_review(tx: Transaction, contract: Contract, start: datetime, now: datetime) -> Week:
    week = settle_week(tx, contract, start, now)
    if week is None:
        raise Problem(
            "not-in-review",
            f"The week is open until {lock_at(start):%Y-%m-%d %H:%M} UTC: it can be approved "
            "or disputed once it is in review.",
        )
    return week


def approve(
    tx: Transaction, account: Account, contract: Contract, start: datetime, now: datetime
) -> Week:
    _client_only(account, contract)
    week = _in_review(tx, contract, start, now)
    if week.state is WeekState.DISPUTED and now < review_deadline(start):
        # The rest of a disputed week: what the disputes hold stays held until a mediator
        # decides; the rest is released on the release day as it would be anyway, and the
        # client disputes nothing more of the week.
        if rest_approved(tx, contract, start):
            raise Problem("not-in-review", "The rest of this week is approved already.")
        _record(tx, account, contract, start, "approved", REST_APPROVED, now)
        return week
    if week.state is not WeekState.IN_REVIEW:
        raise Problem("not-in-review", f"The week is {week.state.value}, not in review.")
    week = replace(week, state=WeekState.APPROVED, decided_at=now)
    tx.put_week(week)
    _record(tx, account, contract, start, "approved", "by the client", now)
    return week


#: The action's detail when the client approves what no dispute holds of a disputed week.
REST_APPROVED = "the rest of the disputed week, by the client"


def rest_approved(tx: Transaction, contract: Contract, start: datetime) -> bool:
    """The client approved the rest of the disputed week: it takes no more disputes."""
    return any(
        a.week == start and a.action == "approved" and a.detail == REST_APPROVED
        for a in tx.actions(contract.id)
    )


def dispute(
    tx: Transaction,
    blobs: BlobStore,
    account: Account,
    contract: Contract,
    start: datetime,
    segments: Sequence[str],
    reason: str,
    now: datetime,
) -> tuple[Week, Dispute]:
    """Hold chosen segments of a week in review: their amount stays in escrow until a mediator
    decides; the rest of the week is released as usual."""
    _client_only(account, contract)
    week = _in_review(tx, contract, start, now)
    if rest_approved(tx, contract, start):
        raise Problem(
            "not-in-review",
            "The client approved the rest of this week: nothing more of it can be disputed.",
        )
    if week.state not in (WeekState.IN_REVIEW, WeekState.DISPUTED) or now >= review_deadline(start):
        raise Problem(
            "not-in-review",
            f"The week is {week.state.value}: disputes are taken until "
            f"{review_deadline(start):%Y-%m-%d %H:%M} UTC while it is in review.",
        )
    count = count_week(tx, contract, start)
    billed = {s.id: count.billed(s) for s in count.segments if count.billed(s)}
    earlier = {sid for d in tx.disputes(contract.id, start) for sid in d.segments}
    chosen = list(dict.fromkeys(segments))
    wrong = [s for s in chosen if s not in billed or s in earlier]
    if wrong or not chosen:
        raise Problem(
            "segment-not-in-week",
            "Dispute billed segments of this week, each once: "
            + (", ".join(w[:12] for w in wrong) or "no segment was named")
            + " cannot be disputed.",
        )
    seconds = sum(billed[s] for s in chosen)
    # Protected segments stay payable (docs/protocol.md, "Payment protection"): a dispute
    # holds the others only, until a mediator decides.
    protection = week_protection(tx, blobs, count)
    held = amount_cents(
        sum(billed[s] for s in {*earlier, *chosen} if protection[s]), contract.rate_cents
    )
    item = Dispute(
        id=uuid.uuid4().hex,
        contract=contract.id,
        week=start,
        segments=tuple(chosen),
        reason=reason,
        seconds=seconds,
        amount_cents=amount_cents(seconds, contract.rate_cents),
        created_by=account.id,
        created_at=now,
    )
    tx.add_dispute(item)
    week = replace(week, state=WeekState.DISPUTED, held_cents=held, decided_at=now)
    tx.put_week(week)
    _record(tx, account, contract, start, "disputed", f"{len(chosen)} segment(s): {reason}", now)
    return week, item


def _client_only(account: Account, contract: Contract) -> None:
    if account.id != contract.client:
        raise Problem("wrong-role", "Only the contract's client approves or disputes its weeks.")


def week_protection(
    tx: Transaction, blobs: BlobStore, count: WeekCount
) -> dict[str, tuple[Unprotected, ...]]:
    """Why each segment of the week is not protected (an empty tuple: it is)."""
    return {
        s.id: segment_unprotected(tx, blobs, s, s.id in count.over_limit) for s in count.segments
    }


def week_json(
    tx: Transaction, blobs: BlobStore, contract: Contract, start: datetime, now: datetime
) -> dict[str, Any]:
    """A week as the API shows it to the contract's freelancer and client."""
    week = settle_week(tx, contract, start, now)
    count = count_week(tx, contract, start)
    protection = week_protection(tx, blobs, count)
    disputed = {sid: d.id for d in tx.disputes(contract.id, start) for sid in d.segments}
    billable = week.billable_seconds if week else count.billable_seconds
    return {
        "contract": contract.id,
        "week": week_label(start),
        "start": timestamp(start),
        "state": (week.state if week else WeekState.OPEN).value,
        "rate_cents": contract.rate_cents,
        "weekly_limit_hours": count.limit_hours,
        "billable_seconds": billable,
        "over_limit_seconds": count.over_limit_seconds,
        "amount_cents": week.amount_cents if week else amount_cents(billable, contract.rate_cents),
        "escrow_cents": (week.amount_cents - week.released_cents - week.refunded_cents)
        if week
        else 0,
        "held_cents": week.held_cents if week else 0,
        "rest_approved": week is not None and rest_approved(tx, contract, start),
        "released_cents": week.released_cents if week else 0,
        "refunded_cents": week.refunded_cents if week else 0,
        "locks_at": timestamp(lock_at(start)),
        "review_deadline": timestamp(review_deadline(start)),
        "releases_at": timestamp(release_at(start)),
        "protected_seconds": sum(count.billed(s) for s in count.segments if not protection[s.id]),
        "days": [{"day": d, "billable_seconds": s} for d, s in sorted(count.days.items())],
        "segments": [
            {
                "segment": s.id,
                "device": s.device,
                "start": timestamp(s.start),
                "end": timestamp(s.end),
                "kind": s.kind,
                "state": SegmentState.OVER_LIMIT.value
                if s.state in COUNTING and s.id in count.over_limit
                else s.state,
                "billable_seconds": count.billed(s),
                "protected": not protection[s.id],
                "unprotected": [r.value for r in protection[s.id]],
                "dispute": disputed.get(s.id),
            }
            for s in count.segments
        ],
    }


def write_week_bundle(
    tx: Transaction,
    blobs: BlobStore,
    key: ReceiptKey,
    contract: Contract,
    start: datetime,
    now: datetime,
    file: IO[bytes],
) -> None:
    """The week as a bundle (docs/protocol.md, "Bundles") with the receipts of its records, as
    the freelancer's devices would export it from what the marketplace holds."""
    scope = Scope(start, start + WEEK, contract.id)
    lines: list[str] = []
    key_lines: list[str] = []
    receipts: list[str] = []
    devices = []
    shots: dict[str, Callable[[], IO[bytes]]] = {}
    for device in tx.devices(contract.freelancer):
        first = tx.last_signed_before(device.id, start)
        held = tx.chain(device.id, first or 0)
        if not held or held[-1].signed_at < timestamp(start):
            continue
        chain = [_signed(h) for h in held]
        devices.append(device_entry(chain))
        stretch = device_stretch(chain, scope)
        lines += stretch.lines
        for segment in stretch.counting:
            for sha256 in screenshot_hashes(segment):
                if blobs.has(sha256):
                    shots[sha256] = _opener(blobs, sha256)
        key_records = tx.key_records(device.id)
        key_lines += [bundle_writer.record_line(_signed(h)) for h in key_records]
        # The receipts of its key records before the stretch too: its enrollment's (the
        # genesis), and each rotation's, vouch for its keys.
        before = [h for h in key_records if h.seq < held[0].seq]
        receipts += [
            bundle_writer.receipt_line(h.receipt, h.receipt_signature) for h in before + held
        ]
    client = tx.account(contract.client)
    names = {contract.id: ContractName.of(contract.title, client.name if client else "")}
    manifest = bundle_writer.manifest(scope, devices, now, "workdiary marketplace", names)
    bundle_writer.write_bundle(
        file, manifest, key_lines, lines, shots, receipts, key.public.to_json()
    )


def _signed(held: Any) -> SignedRecord:
    details = None if held.details is None else parse_json(held.details)
    return SignedRecord(parse_json(held.record), held.hash, held.signature, details)


def _opener(blobs: BlobStore, sha256: str) -> Callable[[], IO[bytes]]:
    return lambda: blobs.open(sha256)
