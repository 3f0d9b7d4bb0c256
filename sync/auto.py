"""Sync now (the `sync` command) and sync as tracking goes: after each round of signing (in the
same short process, so the all-day tracker loads neither requests nor the keyring), a round of
sync runs when the device is signed in to a marketplace and the next attempt is due. What
failed is kept in the outbox for `status` and for the next round."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.store import Store

from .errors import SignInAgain
from .local_marketplace import LocalMarketplace
from .outbox import MarketplaceLink, Outbox
from .tokens import Tokens
from .uploader import SyncReport


def sync_now(
    store: Store,
    link: MarketplaceLink,
    data_dir: Path,
    now: datetime,
    tokens: Tokens,
    timeout: tuple[float, float] | None = None,
    local: LocalMarketplace | None = None,
) -> SyncReport:
    """Refresh the marketplace's contracts, then a round of sync; its errors as they come. The
    marketplace on this computer (``local``) is started for the round if it is not running."""
    if link.role != "freelancer":
        from .signin import NotAFreelancer

        raise NotAFreelancer(
            f"This device is signed in as {link.email}, a {link.role}: it uploads the time of "
            "a freelancer's account only. Sign in as the freelancer to upload what waits."
        )
    token = tokens.load(link.account_id)
    if token is None:  # before anything is started for a round that cannot run
        where = "the marketplace on this computer" if link.local else link.url
        raise SignInAgain(f"This device is signed out of {where}.")
    if link.local and local is not None:
        server = local.start()
        try:
            if server.url != link.url:  # its old port was taken: it listens elsewhere now
                link = replace(link, url=server.url)
                Outbox(store).set_link(link)
            return _sync_now(store, link, data_dir, now, token, timeout)
        finally:
            server.stop()
    return _sync_now(store, link, data_dir, now, token, timeout)


def _sync_now(
    store: Store,
    link: MarketplaceLink,
    data_dir: Path,
    now: datetime,
    token: str,
    timeout: tuple[float, float] | None,
) -> SyncReport:
    # Imported here: a device that is not signed in never loads the HTTP client.
    from .contract_cache import refresh_contracts
    from .errors import MarketplaceUnreachable
    from .ledger import Ledger
    from .marketplace_client import TIMEOUT, MarketplaceClient
    from .uploader import MarketplaceKeyChanged, key_changed, sync_round

    client = MarketplaceClient(link.url, token, timeout=timeout or TIMEOUT)
    # Out of reach here, it is out of reach for the round too, which keeps the next attempt.
    with contextlib.suppress(MarketplaceUnreachable):
        # The token goes only to the marketplace the device pinned: whatever answers at its
        # address now (another server on a port that was free) must prove it with its key.
        card = client.card()
        if card.key != link.key:
            raise MarketplaceKeyChanged(key_changed(link, card.key))
        refresh_contracts(store, client.contracts(), link.account_id)
    report = sync_round(store, Ledger(store), Outbox(store), client, data_dir, now)
    # The client's disputes of this freelancer's segments, for the diary to show.
    with contextlib.suppress(MarketplaceUnreachable):
        Outbox(store).set_disputes(client.disputes())
    return report


def sync_if_due(
    store: Store,
    data_dir: Path,
    now: datetime,
    tokens: Tokens,
    local: LocalMarketplace | None = None,
) -> dict[str, Any] | None:
    """A round of sync if one is due: None when the device is not signed in, or the next
    attempt is later; else what the round did, or why it could not."""
    outbox = Outbox(store)
    link = outbox.link()
    if link is None or link.role != "freelancer":  # nothing of a reviewer's to upload
        return None
    due = outbox.state().next_attempt
    if due is not None and now < due:
        return None
    try:
        # Short waits: this runs in the signing process, which a quitting app waits for.
        report = sync_now(store, link, data_dir, now, tokens, timeout=(3.0, 20.0), local=local)
    except TrackerError as error:
        return {"problem": str(error), "code": error.code}
    return {**report.to_json(), "problem": None, "code": None}
