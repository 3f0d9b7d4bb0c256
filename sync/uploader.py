"""One round of sync: every signed record the marketplace has not receipted, in chain order and
in batches, then the screenshot files of its segments that count. Each receipt is checked
against the marketplace's pinned key and the record it names before it is kept; a refusal
stops that device's chain at the refused record; a failure to reach the marketplace sets the
next attempt (backoff with jitter); nothing waiting is ever dropped."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diary.canonical import parse_json, sha256_hex
from diary.receipts import MarketplaceKey, Receipt, signed_by
from diary.records import DELETING, is_device_contract
from tracker.errors import EnvironmentProblem
from tracker.store import Store

from .backoff import next_attempt
from .errors import MarketplaceUnreachable
from .ledger import Ledger, SignedRecord
from .outbox import MarketplaceLink, Outbox

if TYPE_CHECKING:  # imported by whoever makes one: the round needs no HTTP library of its own
    from .marketplace_client import MarketplaceClient

#: Records a request carries: the most the API takes.
BATCH = 500


class NotSignedIn(EnvironmentProblem):
    code = "not-signed-in"


class MarketplaceKeyChanged(EnvironmentProblem):
    """The marketplace signs with another key than the one pinned at sign-in."""

    code = "marketplace-key-changed"


def key_changed(link: MarketplaceLink, key: MarketplaceKey) -> str:
    return (
        f"{link.url} now signs its receipts with key {key.key_id[:16]}, not with "
        f"{link.key.key_id[:16]}, the key it had when this device signed in: nothing is "
        "uploaded to it until you sign in again and accept the new key."
    )


class BadReceipt(EnvironmentProblem):
    """A receipt that is not signed by the pinned key, or does not name its record: kept
    nowhere, and sync stops (a marketplace that answers so is not to be trusted blindly)."""

    code = "bad-receipt"


@dataclass
class SyncReport:
    sent: int = 0
    receipted: int = 0
    already_held: int = 0
    screenshots: int = 0
    refused_code: str | None = None
    refused_detail: str | None = None
    refused_seq: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sync_round(
    store: Store,
    ledger: Ledger,
    outbox: Outbox,
    client: MarketplaceClient,
    data_dir: Path,
    now: datetime,
    rng: random.Random | None = None,
) -> SyncReport:
    """Upload what waits; MarketplaceUnreachable (after setting the next attempt), SignInAgain,
    MarketplaceKeyChanged or BadReceipt when it cannot go on."""
    link = outbox.link()
    if link is None:
        raise NotSignedIn("This device is not signed in to a marketplace.")
    report = SyncReport()
    try:
        card = client.card()
        if card.key != link.key:
            raise MarketplaceKeyChanged(key_changed(link, card.key))
        for device in ledger.devices():
            _sync_chain(ledger, outbox, client, device, link.key, report)
        _sync_screenshots(store, ledger, outbox, client, data_dir, now, report)
    except MarketplaceUnreachable as error:
        failures = outbox.state().failures + 1
        outbox.set_state(
            failures=failures,
            next_attempt=next_attempt(failures, now, rng or random.Random(), error.retry_after),
            last_error=str(error),
            last_error_code=error.code,
        )
        raise
    outbox.set_state(
        failures=0,
        next_attempt=None,
        last_error=None,
        last_error_code=None,
        last_success=now,
        refused_device=None if report.refused_code is None else outbox.state().refused_device,
        refused_seq=report.refused_seq,
        refused_code=report.refused_code,
        refused_detail=report.refused_detail,
    )
    return report


def _sync_chain(
    ledger: Ledger,
    outbox: Outbox,
    client: MarketplaceClient,
    device: str,
    key: Any,
    report: SyncReport,
) -> None:
    head = outbox.receipted_head(device)
    chain = ledger.chain(device, 0 if head is None else head + 1)
    if head is None and chain:
        receipt = client.enroll(upload_line(chain[0]))
        _keep([receipt], {0: chain[0]}, key, outbox)
        chain = chain[1:]
        report.receipted += 1
    for first in range(0, len(chain), BATCH):
        batch = chain[first : first + BATCH]
        by_seq = {signed.seq: signed for signed in batch}
        answer = client.upload(upload_body(batch))
        _keep(answer.receipts, by_seq, key, outbox)
        report.sent += len(batch)
        report.receipted += answer.accepted
        report.already_held += answer.already_held
        if answer.refusal is not None:
            refused = answer.refusal
            report.refused_code, report.refused_detail = refused.code, refused.detail
            report.refused_seq = refused.seq
            outbox.set_state(refused_device=device)
            return  # a chain cannot skip: nothing after the refused record goes


def _keep(
    receipts: list[Receipt], by_seq: dict[int, SignedRecord], key: Any, outbox: Outbox
) -> None:
    """Keep receipts that the pinned key signed and that name exactly their records."""
    for receipt in receipts:
        signed = by_seq.get(receipt.at[1])
        wrong = (
            "it is not signed by the marketplace's pinned key"
            if not signed_by(receipt, key)
            else None
        )
        if wrong is None and signed is None:
            wrong = f"it names seq {receipt.at[1]}, which was not sent"
        if wrong is None and signed is not None:
            wrong = _mismatch(receipt, signed)
        if wrong is not None:
            raise BadReceipt(f"The marketplace sent a receipt that does not fit: {wrong}.")
    outbox.add_receipts(receipts)


def upload_line(signed: SignedRecord) -> dict[str, Any]:
    """A record as an upload carries it: with its details for a marketplace's contract, without
    them for a contract that exists only on this device (they never leave it)."""
    line: dict[str, Any] = {
        "record": parse_json(signed.record),
        "signature": signed.signature.hex(),
    }
    if signed.details is not None and not is_device_contract(signed.contract):
        line["details"] = parse_json(signed.details)
    return line


def upload_body(batch: list[SignedRecord]) -> bytes:
    """The body of an upload of ``batch``, its lines as ``upload_line`` makes them, written from
    the canonical JSON the ledger holds (parsing each record and its details only to encode
    them again took a tenth of a round's time)."""
    lines = []
    for signed in batch:
        parts = [b'{"record":', signed.record, b',"signature":"', signed.signature.hex().encode()]
        if signed.details is not None and not is_device_contract(signed.contract):
            parts += [b'","details":', signed.details, b"}"]
        else:
            parts.append(b'"}')
        lines.append(b"".join(parts))
    return b'{"records":[' + b",".join(lines) + b"]}"


def _mismatch(receipt: Receipt, signed: SignedRecord) -> str | None:
    """Why the receipt does not name exactly the record sent (its hash and its contract), or
    None: as diary.receipts.mismatch, from the ledger's bytes without reading them again."""
    found = sha256_hex(signed.record)
    if receipt.record != found:
        return (
            f"the receipt names record {receipt.record[:12]} at this seq, but the record here "
            f"hashes to {found[:12]}"
        )
    if receipt.fields["contract"] != signed.contract:
        return "the receipt names another contract than the record"
    return None


def _sync_screenshots(
    store: Store,
    ledger: Ledger,
    outbox: Outbox,
    client: MarketplaceClient,
    data_dir: Path,
    now: datetime,
    report: SyncReport,
) -> None:
    """The files of receipted segments of marketplace contracts that still count."""
    for sha256, path in waiting_screenshots(store, ledger, outbox, data_dir):
        client.put_screenshot(sha256, path.read_bytes())
        outbox.mark_uploaded(sha256, now)
        report.screenshots += 1


def waiting_screenshots(
    store: Store, ledger: Ledger, outbox: Outbox, data_dir: Path, receipted: bool = True
) -> list[tuple[str, Path]]:
    """The screenshot files the marketplace should have and has not: of signed segments of its
    contracts that count (only of receipted ones with ``receipted``: it takes a file once a
    record names it)."""
    segments: list[str] = []
    for device in ledger.devices():
        head = outbox.receipted_head(device)
        if head is None and receipted:
            continue
        segments += [
            segment
            for segment, contract in ledger.segment_contracts_up_to(
                device, head if receipted else None
            )
            if not is_device_contract(contract)
        ]
    changes = store.amendments(segments)
    found: dict[str, Path] = {}
    seen: set[str] = set()
    for segment_id, shots in store.screenshots(segments).items():
        if any(a.kind in DELETING for a in changes.get(segment_id, [])):
            continue  # deleted by the freelancer: it never leaves the device
        for shot in shots:
            if not shot.sha256 or not shot.path or shot.sha256 in seen:
                continue  # an unchanged screen gives the same file again: looked up once
            seen.add(shot.sha256)
            path = data_dir / shot.path
            if not outbox.uploaded(shot.sha256) and path.is_file():
                found[shot.sha256] = path
    return sorted(found.items())
