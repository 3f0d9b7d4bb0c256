"""A signed-in session with the device's marketplace, for a command's requests (a client's
review, approval and disputes; a mediator's decisions): the token from the keyring, the
marketplace on this computer started for the command if it is the device's, and the
marketplace's key checked against the pinned one before the token goes anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from tracker.store import Store

from .errors import SignInAgain
from .local_marketplace import LocalMarketplace
from .marketplace_client import MarketplaceClient
from .outbox import MarketplaceLink, Outbox
from .tokens import Tokens
from .uploader import MarketplaceKeyChanged, NotSignedIn, key_changed


@contextmanager
def marketplace_session(
    store: Store, tokens: Tokens, local: LocalMarketplace | None
) -> Iterator[tuple[MarketplaceClient, MarketplaceLink]]:
    outbox = Outbox(store)
    link = outbox.link()
    if link is None:
        raise NotSignedIn("This device is not signed in to a marketplace.")
    token = tokens.load(link.account_id)
    if token is None:
        where = "the marketplace on this computer" if link.local else link.url
        raise SignInAgain(f"This device is signed out of {where}.")
    server = local.start() if link.local and local is not None else None
    try:
        if server is not None and server.url != link.url:
            link = replace(link, url=server.url)
            outbox.set_link(link)
        client = MarketplaceClient(link.url, token)
        card = client.card()
        if card.key != link.key:
            raise MarketplaceKeyChanged(key_changed(link, card.key))
        yield client, link
    finally:
        if server is not None:
            server.stop()
