"""login, logout, sync and status: the device and a marketplace (docs/api.md). The marketplace
client and the keyring are imported only when these commands run."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from composition import Composition
from tracker.errors import InvalidInput

from .program import command
from .terminal import safe

if TYPE_CHECKING:
    from sync.signin import SignedIn
    from tracker.store import Store

#: The accounts `serve --demo` makes, which `login --local --as` signs in as.
DEMO_ROLES = ("freelancer", "client", "mediator")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = commands.add_parser(
        "login",
        help="sign this device in to a marketplace (the password is asked for), or to the "
        "marketplace on this computer with --local",
    )
    login.add_argument(
        "url", metavar="URL", nargs="?", help="the marketplace, e.g. http://127.0.0.1:8765"
    )
    login.add_argument("email", metavar="EMAIL", nargs="?")
    login.add_argument(
        "--local",
        action="store_true",
        help="use a marketplace on this computer (started when needed, its data in the data "
        "dir, with a demo client, mediator and contract) and sign in as its demo freelancer",
    )
    login.add_argument(
        "--as",
        dest="role",
        choices=DEMO_ROLES,
        help="with --local: sign in as this demo account (default: the side's with --side, "
        "else the freelancer)",
    )
    login.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    login.add_argument(
        "--accept-new-key",
        action="store_true",
        help="take the marketplace's new receipt key when it changed since the last sign-in",
    )
    login.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # for the app
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
    from sync.errors import KeyringUnavailable

    try:
        return _run_login(args, parts)
    except KeyringUnavailable as error:
        # Signing in keeps the sign-in (and makes the device key) in the keyring: the thing to
        # do again is signing in, not signing.
        raise KeyringUnavailable(str(error), code="no-keyring-sign-in") from error


def _run_login(args: argparse.Namespace, parts: Composition) -> int:
    from sync.marketplace_client import MarketplaceClient
    from sync.signin import sign_in
    from sync.tokens import KeyringTokens

    if args.role is not None and not args.local:
        raise InvalidInput(
            "--as picks a demo account of the marketplace on this computer: use it with "
            "--local. Elsewhere, sign in with your own email.",
            code="login-arguments",
        )
    if args.local:
        if args.url or args.email:
            raise InvalidInput(
                "login --local signs in to the marketplace on this computer: name no URL or "
                "email with it.",
                code="login-arguments",
            )
        return _login_local(args, parts)
    if not args.url or not args.email:
        raise InvalidInput(
            f"Name the marketplace and your email: {command()} login URL EMAIL (or "
            f"{command()} login --local for the marketplace on this computer).",
            code="login-arguments",
        )
    password = _password(args)
    signed = sign_in(
        parts.open_store(),
        MarketplaceClient(args.url),
        args.email,
        password,
        KeyringTokens(),
        parts.clock.now(),
        accept_new_key=args.accept_new_key,
    )
    _say_signed_in(args, signed)
    return 0


def _login_local(args: argparse.Namespace, parts: Composition) -> int:
    from sync.local_marketplace import DEMO_LOGINS
    from sync.marketplace_client import MarketplaceClient
    from sync.signin import sign_in
    from sync.tokens import KeyringTokens

    role = _local_role(args)
    store = parts.open_store()
    if role != "freelancer" and _holds_a_diary(store):
        raise InvalidInput(
            f"This data dir holds a work diary: signed in as the demo {role}, it would upload "
            f"none of it. Sign the {role} in on a side of its own: {command()} --side {role} "
            "login --local",
            code="login-diary-here",
        )
    local = parts.local_marketplace()
    server = local.start()
    try:
        email, password = local.demo_login(role)
        signed = sign_in(
            store,
            MarketplaceClient(server.url),
            email,
            password,
            KeyringTokens(),
            parts.clock.now(),
            local=True,
            accept_new_key=args.accept_new_key,
        )
        contract = local.demo_contract()
    finally:
        server.stop()  # only if this command started it: the app's keeps running
    _say_signed_in(args, signed, _DemoHints(contract))
    if not args.json:
        print(
            "The marketplace on this computer runs while Workdiary does (and for each command "
            "that needs it). The demo accounts' emails and passwords are in "
            f"{safe(str(local.dir / DEMO_LOGINS))}."
        )
    return 0


def _local_role(args: argparse.Namespace) -> str:
    """The demo account `login --local` signs in as: --as, else the side's, else the freelancer."""
    if args.side is not None and args.role not in (None, args.side):
        raise InvalidInput(
            f"The {args.side}'s side signs in as the demo {args.side}, not as the {args.role}: "
            f"leave out --as, or sign the {args.role} in on its own side (--side {args.role}).",
            code="login-arguments",
        )
    return str(args.role or args.side or "freelancer")


def _holds_a_diary(store: Store) -> bool:
    return any(True for _ in store.db.query("SELECT 1 FROM segments LIMIT 1"))


@dataclass(frozen=True)
class _DemoHints:
    """What a local sign-in names in its hints: the demo contract."""

    contract: str


def _say_signed_in(
    args: argparse.Namespace, signed: SignedIn, demo: _DemoHints | None = None
) -> None:
    from sync.signin import fingerprint

    link = signed.link
    if args.json:
        print(
            json.dumps(
                {
                    "marketplace": link.url,
                    "email": link.email,
                    "name": link.name,
                    "local": link.local,
                    "role": link.role,
                    "receipt_key": link.key.key_id,
                    "contracts": [
                        {"id": c.id, "title": c.title, "client": c.client} for c in signed.contracts
                    ],
                    "demo_contract": None if demo is None else demo.contract,
                }
            )
        )
        return
    who = f", the demo {link.role} of the marketplace on this computer" if link.local else ""
    print(f"Signed in to {safe(link.url)} as {safe(link.email)}{who}.")
    print(f"The marketplace's receipt key: {fingerprint(link.key.key_id)}")
    before = signed.before
    if before is not None and before.key != link.key:
        print(
            f"It replaces the key pinned before ({fingerprint(before.key.key_id)}): receipts "
            "are now checked against the new one."
        )
    for cached in signed.contracts:
        print(
            f"Contract {cached.id}: {safe(cached.title)} ({safe(cached.client)}), from "
            "the marketplace."
        )
    contract = "ID" if demo is None else demo.contract
    if link.role == "freelancer":
        print(f"Upload what waits with: {command()} sync")
    elif link.role == "client":
        which = (
            f"Your contracts and their latest weeks: {command()} weeks. " if demo is None else ""
        )
        print(
            f"Signed in as a client: this device uploads nothing. {which}Review the latest week "
            f"with: {command()} review --contract {safe(contract)} (another with --week 2026-W48)"
        )
    else:
        print(
            f"Signed in as a {link.role}: this device uploads nothing. A disputed week shows "
            f"with: {command()} review --contract {safe(contract)} --week WEEK; decide a "
            f"segment with: {command()} mediate --dispute ID --segment ID --pay (or --refund) "
            "--reason TEXT"
        )


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
    report = sync_now(
        store,
        link,
        parts.data_dir,
        parts.clock.now(),
        KeyringTokens(),
        local=parts.local_marketplace(),
    )
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
    from sync.tokens import KeyringTokens
    from tracker.durations import duration_text

    found: dict[str, Any] = sync_status(
        parts.open_store(), parts.data_dir, parts.clock.now(), KeyringTokens()
    )
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if found["marketplace"] is None:
        print(f"Not signed in to a marketplace. Sign in with: {command()} login URL EMAIL")
        return 0
    where = " (the marketplace on this computer)" if found["local"] else ""
    role = found["role"]
    who = f", its demo {role}" if found["local"] else f" (a {role})" if role != "freelancer" else ""
    print(f"Marketplace: {safe(found['marketplace'])}{where}, as {safe(found['email'])}{who}.")
    if role != "freelancer":
        print(f"Signed in as a {role}: this device uploads nothing.")
    if found["signed_in"] is False:
        again = (
            _local_again(args, role)
            if found["local"]
            else f"{found['marketplace']} {found['email']}"
        )
        print(
            "Signed out: nothing is uploaded until you sign in again with: "
            f"{command()} login {safe(again)}"
        )
    oldest = found["oldest_waiting_seconds"]
    print(
        f"Waiting: {found['waiting_records']} record(s), {found['waiting_screenshots']} "
        "screenshot(s)"
        + ("." if oldest is None else f"; the oldest segment has waited {duration_text(oldest)}.")
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


def _local_again(args: argparse.Namespace, role: str) -> str:
    """The options of `login` that sign this data dir in again as the same demo account."""
    return "--local" if role in ("freelancer", args.side) else f"--local --as {role}"
