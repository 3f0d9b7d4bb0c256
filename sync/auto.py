"""Sync as tracking goes: after each round of signing (in the same short process, so the
all-day tracker loads neither requests nor the keyring), a round of sync runs when the device
is signed in to a marketplace and the next attempt is due. Its outcome is a small summary;
what failed is kept in the outbox for `status` and for the next round."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.store import Store

from .contract_cache import refresh_contracts
from .errors import MarketplaceUnreachable
from .ledger import Ledger
from .marketplace_client import MarketplaceClient
from .outbox import Outbox
from .tokens import Tokens
from .uploader import sync_round


def sync_if_due(
    store: Store, data_dir: Path, now: datetime, tokens: Tokens
) -> dict[str, Any] | None:
    """A round of sync if one is due: None when the device is not signed in, or the next
    attempt is later; else what the round did, or why it could not."""
    outbox = Outbox(store)
    link = outbox.link()
    if link is None:
        return None
    due = outbox.state().next_attempt
    if due is not None and now < due:
        return None
    try:
        token = tokens.load(link.account_id)
        if token is None:
            return {"problem": f"Signed out of {link.url}.", "code": "sign-in-again"}
        # Short waits: this runs in the signing process, which a quitting app waits for.
        client = MarketplaceClient(link.url, token, timeout=(3.0, 20.0))
        with contextlib.suppress(MarketplaceUnreachable):  # the round says so, and keeps it
            refresh_contracts(store, client.contracts(), link.account_id)
        report = sync_round(store, Ledger(store), outbox, client, data_dir, now)
    except TrackerError as error:
        return {"problem": str(error), "code": error.code}
    return {**report.to_json(), "problem": None, "code": None}
