"""Signing this device in to a marketplace: the account's token into the keyring, the
marketplace's receipt key pinned (a changed key is taken only when the user says so), and the
freelancer's contracts cached; for `login` and, through it, the app's sign-in dialog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from diary.records import is_device_contract
from tracker.errors import EnvironmentProblem, InvalidInput
from tracker.records import Contract
from tracker.store import Store

from .contract_cache import refresh_contracts
from .errors import MarketplaceUnreachable
from .marketplace_client import MarketplaceClient
from .outbox import MarketplaceLink, Outbox
from .tokens import Tokens


class NotAFreelancer(InvalidInput):
    """The device is signed in as a client or a mediator: it has no time to upload."""

    code = "not-a-freelancer"


class MarketplaceNotReached(EnvironmentProblem):
    """Signing in found no marketplace at the address."""

    code = "marketplace-not-reached"


class AnotherMarketplace(InvalidInput):
    """The device's chain already holds records for the marketplace it signed in to before."""

    code = "another-marketplace"


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


def _holds_records_of(store: Store) -> bool:
    """Whether signed records name a marketplace's contract, or a marketplace receipted any."""
    contracts = store.db.query(
        "SELECT DISTINCT contract FROM signed_records WHERE contract IS NOT NULL"
    )
    if any(not is_device_contract(row["contract"]) for row in contracts):
        return True
    return any(True for _ in store.db.query("SELECT 1 FROM receipts LIMIT 1"))


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
    same = before is not None and (before.url == client.url or (before.local and local))
    if before is not None and same and before.key != card.key and not accept_new_key:
        raise ReceiptKeyNotAccepted(
            f"{client.url} now signs its receipts with the key {fingerprint(card.key.key_id)}, "
            f"not with {fingerprint(before.key.key_id)}, the key pinned when this device first "
            "signed in. Receipts from an unknown key prove nothing, so nothing was changed: "
            "accept the new key only if the marketplace announced it with this fingerprint."
        )
    if before is not None and before.key != card.key and not same and _holds_records_of(store):
        was = "the marketplace on this computer" if before.local else before.url
        raise AnotherMarketplace(
            f"This device's signed diary already holds records for {was} (receipt key "
            f"{fingerprint(before.key.key_id)}): its chain of records goes to that marketplace "
            f"only, and {client.url} would refuse them. Sign in to {was} again; a device "
            "follows one marketplace."
        )
    found = client.login(email, password)
    account = found["account"]
    role = str(account["role"])
    assert client.token is not None
    tokens.save(account["id"], client.token)
    link = MarketplaceLink(
        client.url, account["email"], account["id"], card.name, card.key, now, local, role
    )
    outbox.set_link(link)
    if role != "freelancer":  # a client or a mediator reviews; their contracts are not tracked
        return SignedIn(link, before, [])
    cached = refresh_contracts(store, client.contracts(), account["id"])
    return SignedIn(link, before, cached.added)
