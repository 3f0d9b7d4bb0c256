"""sign, keys: signing what waits, and the device keys."""

from __future__ import annotations

import argparse
import json

from composition import Composition
from sync.errors import KeyringUnavailable

from .program import command


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sign = commands.add_parser(
        "sign", help="sign closed segments and changes that wait to be signed"
    )
    sign.add_argument("--json", action="store_true")
    sign.set_defaults(run=sign_pending, needs_data_dir=True)
    keys = commands.add_parser("keys", help="show the device keys, or replace the current one")
    keys.add_argument("action", nargs="?", choices=["show", "rotate"], default="show")
    keys.set_defaults(run=device_keys, needs_data_dir=True)


def sign_pending(args: argparse.Namespace, parts: Composition) -> int:
    store = parts.open_store()
    report = parts.signer(store).sign_pending()
    if args.json:  # for the tracker and the app, which sign (and sync) through this command
        from sync.auto import sync_if_due
        from sync.status import sync_status
        from sync.tokens import KeyringTokens

        synced = sync_if_due(
            store, parts.data_dir, parts.clock.now(), KeyringTokens(), parts.local_marketplace()
        )
        from sync.segment_marks import linked

        # Where sync stands, for the app's sync line: only when there is a marketplace (it
        # reads every waiting record, which a device that never syncs need not pay for).
        status = (
            sync_status(store, parts.data_dir, parts.clock.now(), KeyringTokens())
            if linked(store)
            else None
        )
        print(json.dumps({**report.to_json(), "sync": synced, "status": status}))
        return KeyringUnavailable.exit_code if report.problem else 0
    for notice in report.notices:
        print(notice)
    if report.problem:
        # Not the usual advice ("run sign"): this is the sign command.
        raise KeyringUnavailable(
            f"{report.waiting} record(s) wait to be signed. {report.problem} Install or unlock "
            f"a keyring, then run {command()} sign again.",
            code="no-keyring-here",
        )
    print(f"Signed {report.signed} record(s). Nothing waits to be signed.")
    return 0


def device_keys(args: argparse.Namespace, parts: Composition) -> int:
    store = parts.open_store()
    signer = parts.signer(store)
    if args.action == "rotate":
        signer.sign_pending()
        old, new = signer.rotate()
        print(f"Replaced device key {old.key_id} with {new.key_id}; the old key signed the change.")
        return 0
    from sync.ledger import Ledger

    keys = Ledger(store).keys()
    if not keys:
        print("No device key yet: one is made when the first segment is signed.")
    for key in keys:
        state = (
            f"retired {key.retired_at:%Y-%m-%d %H:%M} UTC ({key.retired_why})"
            if key.retired_at
            else "current"
        )
        print(f"key {key.key_id}\n  device {key.device_id}\n  public key {key.public_key.hex()}")
        print(f"  created {key.created_at:%Y-%m-%d %H:%M} UTC, {state}")
    return 0
