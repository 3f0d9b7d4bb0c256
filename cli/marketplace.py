"""login, logout, sync and status: the device and a marketplace (docs/api.md). The marketplace
client and the keyring are imported only when these commands run."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from typing import Any

from composition import Composition
from tracker.errors import InvalidInput

from .program import command
from .terminal import safe


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = commands.add_parser(
        "login", help="sign this device in to a marketplace (the password is asked for)"
    )
    login.add_argument("url", metavar="URL", help="the marketplace, e.g. http://127.0.0.1:8765")
    login.add_argument("email", metavar="EMAIL")
    login.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    login.set_defaults(run=run_login, needs_data_dir=True)
    logout = commands.add_parser("logout", help="sign this device out of its marketplace")
    logout.set_defaults(run=run_logout, needs_data_dir=True)
    sync = commands.add_parser(
        "sync", help="upload now what the marketplace has not receipted, and say what waits"
    )
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(run=run_sync, needs_data_dir=True)
    status = commands.add_parser("status", help="the marketplace, and what waits to reach it")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_status, needs_data_dir=True)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInput(
            "The password is asked for on a terminal; to give it from a script, pipe it in with "
            "--password-stdin (never as an argument, which other users of this computer can see).",
            code="password-needed",
        )
    return getpass.getpass(f"Password for {args.email}: ")


def run_login(args: argparse.Namespace, parts: Composition) -> int:
    from sync.contract_cache import refresh_contracts
    from sync.marketplace_client import MarketplaceClient
    from sync.outbox import MarketplaceLink, Outbox
    from sync.tokens import KeyringTokens

    password = _password(args)
    client = MarketplaceClient(args.url)
    card = client.card()
    found = client.login(args.email, password)
    account = found["account"]
    if account["role"] != "freelancer":
        client.logout()
        raise InvalidInput(
            f"{args.email} is a {account['role']} account: a device signs in as the freelancer "
            "whose time it tracks.",
            code="not-a-freelancer",
        )
    store = parts.open_store()
    outbox = Outbox(store)
    before = outbox.link()
    assert client.token is not None
    KeyringTokens().save(account["id"], client.token)
    outbox.set_link(
        MarketplaceLink(
            client.url, account["email"], account["id"], card.name, card.key, parts.clock.now()
        )
    )
    cached = refresh_contracts(store, client.contracts(), account["id"])
    print(f"Signed in to {safe(client.url)} as {safe(account['email'])}.")
    print(f"The marketplace's receipt key: {_fingerprint(card.key.key_id)}")
    if before is not None and before.key != card.key:
        print(
            f"It is not the key pinned before ({_fingerprint(before.key.key_id)}): receipts are "
            "now checked against the new one."
        )
    for contract in cached.added:
        print(
            f"Contract {contract.id}: {safe(contract.title)} ({safe(contract.client)}), from the marketplace."
        )
    print(f"Upload what waits with: {command()} sync")
    return 0


def _fingerprint(key_id: str) -> str:
    return " ".join(key_id[i : i + 4] for i in range(0, 32, 4))


def run_logout(args: argparse.Namespace, parts: Composition) -> int:
    from sync.errors import MarketplaceUnreachable, SignInAgain
    from sync.marketplace_client import MarketplaceClient
    from sync.outbox import Outbox
    from sync.tokens import KeyringTokens

    outbox = Outbox(parts.open_store())
    link = outbox.link()
    if link is None:
        print("This device is not signed in to a marketplace.")
        return 0
    tokens = KeyringTokens()
    token = tokens.load(link.account_id)
    if token is not None:
        # Revoked there if it can be; forgotten here all the same.
        with contextlib.suppress(MarketplaceUnreachable, SignInAgain):
            MarketplaceClient(link.url, token).logout()
        tokens.delete(link.account_id)
    print(f"Signed out of {safe(link.url)}. What waits stays here until you sign in again.")
    return 0


def run_sync(args: argparse.Namespace, parts: Composition) -> int:
    from sync.auto import sync_now
    from sync.outbox import Outbox
    from sync.tokens import KeyringTokens
    from sync.uploader import NotSignedIn

    store = parts.open_store()
    link = Outbox(store).link()
    if link is None:
        raise NotSignedIn("This device is not signed in to a marketplace.")
    report = sync_now(store, link, parts.data_dir, parts.clock.now(), KeyringTokens())
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(
            f"Sent {report.sent} record(s): {report.receipted} receipted, {report.already_held} "
            f"held already; {report.screenshots} screenshot(s) uploaded."
        )
        if report.refused_code:
            print(
                f"Refused at seq {report.refused_seq} ({report.refused_code}): "
                f"{safe(report.refused_detail or '')} Nothing after it is sent."
            )
    return 1 if report.refused_code else 0


def run_status(args: argparse.Namespace, parts: Composition) -> int:
    from sync.status import sync_status

    found: dict[str, Any] = sync_status(parts.open_store(), parts.data_dir, parts.clock.now())
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if found["marketplace"] is None:
        print(f"Not signed in to a marketplace. Sign in with: {command()} login URL EMAIL")
        return 0
    print(f"Marketplace: {safe(found['marketplace'])}, as {safe(found['email'])}.")
    print(
        f"Waiting: {found['waiting_records']} record(s), {found['waiting_screenshots']} "
        "screenshot(s)."
    )
    print(f"Last successful sync: {found['last_success'] or 'never'}.")
    if found["next_attempt"]:
        print(f"Next attempt: {found['next_attempt']} ({safe(found['last_error'] or '')})")
    if found["refused_code"]:
        print(
            f"Refused: seq {found['refused_seq']}, {found['refused_code']}: "
            f"{safe(found['refused_detail'] or '')}"
        )
    return 0
