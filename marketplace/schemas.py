"""The API's request and answer bodies, as the OpenAPI description (docs/openapi.json) shows
them. Signed records are not among them: the protocol package reads those, strictly."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Hash = Field(pattern=r"^[0-9a-f]{64}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable ``code`` (docs/api.md lists every one)."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None


class KeyOut(BaseModel):
    algorithm: Literal["Ed25519"]
    key_id: str
    public_key: str


class MarketplaceInfo(BaseModel):
    name: str
    api: str
    receipt_key: KeyOut


class AccountIn(Strict):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["freelancer", "client"]


class AccountOut(BaseModel):
    id: str
    email: str
    name: str
    role: Literal["freelancer", "client", "mediator"]


class MeOut(AccountOut):
    #: Cents released to a freelancer; cents a client paid into escrow (negative), and cents
    #: refunded to a client by a mediator.
    released_cents: int
    escrow_cents: int
    refunded_cents: int


class LoginIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class SessionOut(BaseModel):
    token: str
    expires_at: str
    account: AccountOut


class RecordEntry(BaseModel):
    """A signed record as records.jsonl holds it (docs/protocol.md, "records.jsonl")."""

    model_config = ConfigDict(extra="allow")
    record: dict[str, Any]
    signature: str
    details: dict[str, Any] | None = None
    hash: str | None = None


class ReceiptEntry(BaseModel):
    """A receipt and the marketplace's signature of it (docs/protocol.md, "Receipts")."""

    receipt: dict[str, Any]
    signature: str


class EnrollIn(BaseModel):
    genesis: RecordEntry


class DeviceOut(BaseModel):
    device: str
    enrolled_at: str
    head_seq: int | None
    receipt: ReceiptEntry | None = None


class UploadIn(BaseModel):
    records: list[RecordEntry] = Field(max_length=500)


class UploadOut(BaseModel):
    accepted: int
    already_held: int
    receipts: list[ReceiptEntry]


class ScreenshotOut(BaseModel):
    sha256: str
    stored: bool


class OfferIn(Strict):
    freelancer: str = Field(max_length=254, description="The freelancer's account email.")
    title: str = Field(min_length=1, max_length=200)
    hourly_rate_cents: int = Field(ge=1, le=10_000_000)
    weekly_limit_hours: int | None = Field(default=None, ge=1, le=168)
    manual_time_allowed: bool = False


class LimitIn(Strict):
    weekly_limit_hours: int | None = Field(ge=1, le=168)


class ContractOut(BaseModel):
    id: str
    title: str
    client: AccountOut
    freelancer: AccountOut
    hourly_rate_cents: int
    weekly_limit_hours: int | None
    #: A lower limit waits for next Monday: it is shown here until then.
    next_weekly_limit_hours: int | None
    manual_time_allowed: bool
    state: Literal["offered", "active"]
    created_at: str
    accepted_at: str | None


class DayOut(BaseModel):
    day: str
    billable_seconds: int


class WeekSegmentOut(BaseModel):
    segment: str
    device: str
    start: str
    end: str
    kind: str
    state: str
    billable_seconds: int
    #: Payment protection (docs/protocol.md): payable whatever is disputed.
    protected: bool
    unprotected: list[str]
    dispute: str | None


class WeekOut(BaseModel):
    contract: str
    week: str
    start: str
    state: Literal["open", "in-review", "approved", "disputed", "released"]
    rate_cents: int
    weekly_limit_hours: int | None
    billable_seconds: int
    over_limit_seconds: int
    protected_seconds: int
    amount_cents: int
    escrow_cents: int
    held_cents: int
    #: The client approved what no dispute holds of a disputed week (no more disputes).
    rest_approved: bool
    released_cents: int
    refunded_cents: int
    locks_at: str
    review_deadline: str
    releases_at: str
    days: list[DayOut]
    segments: list[WeekSegmentOut]


class DisputeIn(Strict):
    segments: list[str] = Field(min_length=1, max_length=1008)
    reason: str = Field(min_length=1, max_length=2000)


class DisputeOut(BaseModel):
    id: str
    segments: list[str]
    #: Of those, the protected ones: they stay payable unless a mediator decides otherwise.
    protected_segments: list[str]
    reason: str
    amount_cents: int
    week: WeekOut


class DecisionIn(Strict):
    segment: str = Field(min_length=1, max_length=64)
    decision: Literal["pay", "refund"]
    reason: str = Field(min_length=1, max_length=2000)


class CommentIn(Strict):
    text: str = Field(min_length=1, max_length=2000)


class DecisionOut(BaseModel):
    decision: Literal["pay", "refund"]
    reason: str
    cents: int
    decided_at: str


class DisputedSegmentOut(BaseModel):
    segment: str
    billable_seconds: int
    protected: bool
    decision: DecisionOut | None


class CommentOut(BaseModel):
    by: str
    text: str
    at: str


class DisputeDetailOut(BaseModel):
    id: str
    contract: str
    week: str
    reason: str
    created_at: str
    segments: list[DisputedSegmentOut]
    comments: list[CommentOut]
    decided: bool
