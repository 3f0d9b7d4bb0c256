"""Every refusal the marketplace gives: a stable code, its HTTP status and what it means
(RFC 9457 problem details; docs/api.md lists them all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: code: (HTTP status, title). Record checks use the protocol's own codes (docs/protocol.md).
CODES: dict[str, tuple[int, str]] = {
    # Requests
    "malformed-json": (400, "The body is not valid JSON"),
    "invalid-request": (422, "The request does not have the fields this endpoint takes"),
    "not-found": (404, "There is nothing here that you may see"),
    "method-not-allowed": (405, "This endpoint does not take that method"),
    "too-large": (413, "The body is larger than this endpoint takes"),
    "batch-too-large": (413, "A batch holds at most 500 records"),
    "internal": (500, "The marketplace failed; nothing of the request was kept"),
    "storage-unavailable": (503, "The marketplace cannot reach its storage now: try again later"),
    # Accounts and sessions
    "unauthorized": (401, "Sign in: the request carries no bearer token"),
    "token-unknown": (401, "The token is not one this marketplace issued, or it was revoked"),
    "token-expired": (401, "The token has expired: sign in again"),
    "login-failed": (401, "The email or the password is wrong"),
    "too-many-sign-ins": (429, "Too many sign-ins with this email failed: wait, then try again"),
    "email-taken": (409, "An account with this email exists"),
    "weak-password": (422, "A password has at least 10 characters"),
    "wrong-role": (403, "Your account's role may not do this"),
    # Devices
    "device-not-enrolled": (409, "The device is not enrolled to your account"),
    "device-taken": (409, "The device is enrolled to another account"),
    # Contracts
    "no-such-freelancer": (422, "No freelancer account has that email"),
    "contract-not-offered": (409, "The contract is not waiting to be accepted"),
    "contract-not-accepted": (409, "The record names no contract of yours that you accepted"),
    "manual-time-not-allowed": (409, "The contract does not allow manual time"),
    # Records (the protocol's check codes, docs/protocol.md, "Verifying a bundle")
    "format": (422, "The record or its details are malformed"),
    "unknown-key": (422, "The record is signed by a key not enrolled for its device"),
    "signature": (422, "The signature does not verify: the record was changed after signing"),
    "hash": (422, "The hash given is not the record's"),
    "device": (422, "A batch holds the records of one device"),
    "order": (422, "The batch's records are not in chain order"),
    "duplicate": (409, "The segment already has a record"),
    "gap": (409, "The record does not follow the last accepted record of its device"),
    "link": (409, "The record does not link to the record before it"),
    "genesis": (422, "A device's chain starts with its self-signed key record"),
    "key": (422, "The record is not signed by the device's current key"),
    "time": (422, "The record's signing time goes back, or comes before what it records"),
    "alignment": (422, "A segment lies inside one 10-minute slot"),
    "overlap": (409, "The segment shares time with another segment of yours"),
    "details-missing": (422, "A record of a marketplace contract carries its details"),
    "details": (422, "The details do not hash to the record's details field"),
    "minutes": (422, "The details do not list exactly the segment's minutes"),
    "active-minutes": (422, "active_minutes does not count the active minutes"),
    "screenshot": (422, "A screenshot entry does not fit its segment"),
    "amendment": (422, "The amendment does not fit its segment"),
    "fork": (409, "Another record holds this seq of the device's chain"),
    "future": (422, "The record is from the future (more than 5 minutes ahead)"),
    "week-locked": (409, "The record's billing week is locked: it was due by Monday 12:00 UTC"),
    # Screenshots
    "screenshot-hash": (422, "The bytes do not hash to the screenshot's name"),
    "screenshot-not-named": (409, "No record of yours names this screenshot"),
    "screenshot-too-large": (413, "A screenshot is at most 16 MiB"),
    # Billing weeks
    "not-in-review": (409, "The week is not in review"),
    "segment-not-in-week": (422, "The segment is not a billed segment of this week"),
    # Mediation
    "segment-not-disputed": (422, "The segment is not one this dispute names"),
    "already-decided": (409, "A mediator has decided this segment already"),
    "already-released": (
        409,
        "The week's money was released: a protected segment can no longer be refunded",
    ),
}


@dataclass
class Problem(Exception):
    """A refusal: raised anywhere in the server, answered as application/problem+json."""

    code: str
    detail: str
    extra: dict[str, Any] | None = None
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        assert self.code in CODES, self.code

    @property
    def status(self) -> int:
        return CODES[self.code][0]

    def to_json(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://workdiary.invalid/problems/{self.code}",
            "title": CODES[self.code][1],
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance is not None:
            body["instance"] = instance
        body.update(self.extra or {})
        return body


def not_found(what: str = "That") -> Problem:
    return Problem("not-found", f"{what} does not exist, or is not yours to see.")
