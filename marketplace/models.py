"""What the marketplace keeps: accounts, sessions, devices, contracts, records, weeks, disputes.

Frozen dataclasses with aware UTC datetimes; each storage implementation maps them to its
engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    FREELANCER = "freelancer"
    CLIENT = "client"
    MEDIATOR = "mediator"


class ContractState(StrEnum):
    OFFERED = "offered"
    ACTIVE = "active"


class WeekState(StrEnum):
    """A contract's billing week (docs/api.md, "Billing weeks")."""

    OPEN = "open"
    IN_REVIEW = "in-review"
    APPROVED = "approved"
    DISPUTED = "disputed"
    RELEASED = "released"


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    name: str
    role: Role
    password_hash: str
    created_at: datetime


@dataclass(frozen=True)
class Session:
    """A bearer token, kept only as its SHA-256."""

    token_hash: str
    account: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Device:
    id: str
    account: str
    enrolled_at: datetime


@dataclass(frozen=True)
class DeviceKey:
    key_id: str
    device: str
    public_key: bytes
    #: The seq of the key record that introduced it.
    seq: int


@dataclass(frozen=True)
class Contract:
    id: str
    client: str
    freelancer: str
    title: str
    rate_cents: int
    manual_time_allowed: bool
    state: ContractState
    created_at: datetime
    accepted_at: datetime | None = None


@dataclass(frozen=True)
class LimitChange:
    """A weekly limit set at ``made_at``, in effect for weeks from ``effective_from`` on
    (None hours: no limit)."""

    contract: str
    hours: int | None
    effective_from: datetime
    made_at: datetime


@dataclass(frozen=True)
class StoredRecord:
    """A record the marketplace accepted, with its receipt."""

    hash: str
    device: str
    seq: int
    type: str
    contract: str | None
    segment: str | None
    signed_at: str
    key: str
    record: bytes
    signature: bytes
    details: bytes | None
    received_at: datetime
    receipt: bytes
    receipt_signature: bytes


@dataclass(frozen=True)
class Segment:
    """A segment as it counts now (its record with every amendment accepted so far)."""

    id: str
    device: str
    account: str
    contract: str
    start: datetime
    end: datetime
    kind: str
    state: str
    billable_seconds: int
    record: str


@dataclass(frozen=True)
class Week:
    """A contract's billing week once it left `open`: the amounts are fixed at the lock."""

    contract: str
    start: datetime
    state: WeekState
    billable_seconds: int
    amount_cents: int
    held_cents: int
    released_cents: int
    locked_at: datetime
    decided_at: datetime | None = None
    released_at: datetime | None = None
    #: Refunded to the client by a mediator's decisions.
    refunded_cents: int = 0


@dataclass(frozen=True)
class Dispute:
    id: str
    contract: str
    week: datetime
    segments: tuple[str, ...]
    reason: str
    seconds: int
    amount_cents: int
    created_by: str
    created_at: datetime


class Ruling(StrEnum):
    PAY = "pay"
    REFUND = "refund"


@dataclass(frozen=True)
class Decision:
    """A mediator's decision on one disputed segment: the money it moved (to the freelancer,
    or back to the client) and why."""

    dispute: str
    segment: str
    decision: str
    reason: str
    seconds: int
    cents: int
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class Comment:
    """What a party to a dispute said of it (the freelancer's answer, say)."""

    dispute: str
    account: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Action:
    """Who did what to a contract or week, and when: every action is kept."""

    account: str | None
    contract: str
    week: datetime | None
    action: str
    detail: str
    at: datetime
