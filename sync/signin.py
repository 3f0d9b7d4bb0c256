"""Signing this device in to a marketplace: the account's token into the keyring, the
marketplace's receipt key pinned (a changed key is taken only when the user says so), and the
freelancer's contracts cached; for `login` and, through it, the app's sign-in dialog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.errors import EnvironmentProblem, InvalidInput
from tracker.records import Contract
from tracker.store import Store

from .contract_cache import refresh_contracts
from .errors import MarketplaceUnreachable
from .marketplace_client import MarketplaceClient
from .outbox import MarketplaceLink, Outbox
from .tokens import Tokens


class NotAFreelancer(InvalidInput):
    code = "not-a-freelancer"


class MarketplaceNotReached(EnvironmentProblem):
    """Signing in found no marketplace at the address."""

    code = "marketplace-not-reached"


class ReceiptKeyNotAccepted(InvalidInput):
    """The marketplace signs with another key than the one pinned: sign-in needs the user's
    word that the change is expected."""

    code = "receipt-key-changed"


@dataclass(frozen=True)
class SignedIn:
    link: MarketplaceLink
    #: The link this one replaced (another marketplace, or the same one with a new key).
    before: MarketplaceLink | None
    contracts: list[Contract]


def fingerprint(key_id: str) -> str:
    """A key id as people compare it: eight groups of four."""
    return " ".join(key_id[i : i + 4] for i in range(0, 32, 4))


def sign_in(
    store: Store,
    client: MarketplaceClient,
    email: str,
    password: str,
    tokens: Tokens,
    now: datetime,
    *,
    local: bool = False,
    accept_new_key: bool = False,
) -> SignedIn:
    outbox = Outbox(store)
    before = outbox.link()
    try:
        card = client.card()
    except MarketplaceUnreachable as error:
        raise MarketplaceNotReached(
            f"{error} Check the address, and that the marketplace is running."
        ) from None
    if (
        before is not None
        and (before.url == client.url or (before.local and local))
        and before.key != card.key
        and not accept_new_key
    ):
        raise ReceiptKeyNotAccepted(
            f"{client.url} now signs its receipts with the key {fingerprint(card.key.key_id)}, "
            f"not with {fingerprint(before.key.key_id)}, the key pinned when this device first "
            "signed in. Receipts from an unknown key prove nothing, so nothing was changed. If "
            "the marketplace announced a new key with this fingerprint, sign in again and "
            "accept it (login --accept-new-key)."
        )
    found = client.login(email, password)
    account = found["account"]
    if account["role"] != "freelancer":
        client.logout()
        raise NotAFreelancer(
            f"{email} is a {account['role']} account: a device signs in as the freelancer "
            "whose time it tracks."
        )
    assert client.token is not None
    tokens.save(account["id"], client.token)
    link = MarketplaceLink(
        client.url, account["email"], account["id"], card.name, card.key, now, local
    )
    outbox.set_link(link)
    cached = refresh_contracts(store, client.contracts(), account["id"])
    return SignedIn(link, before, cached.added)
