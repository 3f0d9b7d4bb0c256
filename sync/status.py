"""Where sync stands, for `status` and the app: the marketplace and account, what waits (records,
screenshots, the oldest segment not yet receipted), the last success, the next attempt and why,
and a refusal that stops a chain."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diary.times import lock_at, timestamp
from tracker.errors import TrackerError
from tracker.store import Store

from .ledger import Ledger
from .outbox import MarketplaceLink, Outbox
from .uploader import waiting_screenshots

if TYPE_CHECKING:
    from .tokens import Tokens


def sync_status(
    store: Store, data_dir: Path, now: datetime, tokens: Tokens | None = None
) -> dict[str, Any]:
    """Where sync stands; ``signed_in`` says whether ``tokens`` hold the account's token (None:
    not asked, or the keyring cannot be read)."""
    ledger, outbox = Ledger(store), Outbox(store)
    link, state = outbox.link(), outbox.state()
    waiting = 0
    oldest: datetime | None = None
    segment_ids: list[str] = []
    for device in ledger.devices():
        head = outbox.receipted_head(device)
        pending = ledger.chain(device, 0 if head is None else head + 1)
        waiting += len(pending)
        ends = [
            s.signed_at for s in pending if s.type == "segment"
        ]  # a segment is signed when it ends: near enough for its age
        if ends and (oldest is None or min(ends) < oldest):
            oldest = min(ends)
        segment_ids += [s.segment_id for s in pending if s.segment_id]
    return {
        "marketplace": None if link is None else link.url,
        "email": None if link is None else link.email,
        "role": None if link is None else link.role,
        "local": link is not None and link.local,
        "signed_in": None if link is None or tokens is None else _has_token(tokens, link),
        "receipt_key": None if link is None else link.key.key_id,
        "waiting_records": waiting,
        "waiting_screenshots": len(
            waiting_screenshots(store, ledger, outbox, data_dir, receipted=False)
        ),
        "oldest_waiting_seconds": None if oldest is None else int((now - oldest).total_seconds()),
        "locks_at": _stamp(_first_lock(store, ledger, segment_ids)),
        "last_success": _stamp(state.last_success),
        "next_attempt": _stamp(state.next_attempt),
        "last_error": state.last_error,
        "last_error_code": state.last_error_code,
        "refused_code": state.refused_code,
        "refused_seq": state.refused_seq,
        "refused_detail": state.refused_detail,
    }


def _has_token(tokens: Tokens, link: MarketplaceLink) -> bool | None:
    try:
        return tokens.load(link.account_id) is not None
    except TrackerError:  # no keyring here: unknown, and sync says why
        return None


def _first_lock(store: Store, ledger: Ledger, waiting: list[str]) -> datetime | None:
    """When the first billing week with time that has not reached the marketplace locks: time
    waiting to be uploaded, or to be signed, of the marketplace's contracts."""
    uploaded = {c.id for c in store.contracts() if c.marketplace_id}
    starts = [s.start for s in store.segments_by_id(waiting) if s.contract_id in uploaded]
    starts += [s.start for s in ledger.unsigned_segments() if s.contract_id in uploaded]
    return lock_at(min(starts)) if starts else None


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp(moment)
