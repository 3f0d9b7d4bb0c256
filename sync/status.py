"""Where sync stands, for `status` and the app: the marketplace and account, what waits (records,
screenshots, the oldest segment not yet receipted), the last success, the next attempt and why,
and a refusal that stops a chain."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from diary.times import timestamp
from tracker.store import Store

from .ledger import Ledger
from .outbox import Outbox
from .uploader import waiting_screenshots


def sync_status(store: Store, data_dir: Path, now: datetime) -> dict[str, Any]:
    ledger, outbox = Ledger(store), Outbox(store)
    link, state = outbox.link(), outbox.state()
    waiting = 0
    oldest: datetime | None = None
    for device in ledger.devices():
        head = outbox.receipted_head(device)
        pending = ledger.chain(device, 0 if head is None else head + 1)
        waiting += len(pending)
        ends = [
            s.signed_at for s in pending if s.type == "segment"
        ]  # a segment is signed when it ends: near enough for its age
        if ends and (oldest is None or min(ends) < oldest):
            oldest = min(ends)
    return {
        "marketplace": None if link is None else link.url,
        "email": None if link is None else link.email,
        "local": link is not None and link.local,
        "receipt_key": None if link is None else link.key.key_id,
        "waiting_records": waiting,
        "waiting_screenshots": len(
            waiting_screenshots(store, ledger, outbox, data_dir, receipted=False)
        ),
        "oldest_waiting_seconds": None if oldest is None else int((now - oldest).total_seconds()),
        "last_success": _stamp(state.last_success),
        "next_attempt": _stamp(state.next_attempt),
        "last_error": state.last_error,
        "last_error_code": state.last_error_code,
        "refused_code": state.refused_code,
        "refused_seq": state.refused_seq,
        "refused_detail": state.refused_detail,
    }


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp(moment)
