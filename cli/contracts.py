"""contract add, edit, archive, unarchive and list: the freelancer's own contracts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from composition import Composition
from sync.ledger import Ledger
from tracker.contract_book import (
    ContractForm,
    add_contract,
    archive_contract,
    edit_contract,
    link_contract,
)
from tracker.durations import duration_text
from tracker.errors import InvalidInput
from tracker.week import week_billable_seconds

from .program import command
from .terminal import safe
from .values import contract_number


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    contract = commands.add_parser(
        "contract", help="add, edit, link to a marketplace, archive or list contracts"
    )
    actions = contract.add_subparsers(dest="contract_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a contract and print its id")
    add.add_argument("--title", required=True)
    add.add_argument("--client", required=True)
    add.add_argument("--rate", required=True, help="hourly rate, e.g. 45.00")
    add.add_argument("--weekly-limit", default="0", help="hours a week, 0 for no limit")
    add.add_argument("--manual-allowed", action="store_true", help="the client accepts manual time")
    add.set_defaults(run=run_add, needs_data_dir=True)
    edit = actions.add_parser("edit", help="change a contract's fields (the others stay)")
    edit.add_argument("id", type=contract_number, metavar="ID")
    edit.add_argument("--title")
    edit.add_argument("--client")
    edit.add_argument("--rate", help="hourly rate, e.g. 45.00")
    edit.add_argument("--weekly-limit", help="hours a week, 0 for no limit")
    edit.add_argument(
        "--manual-allowed",
        action=argparse.BooleanOptionalAction,
        help="whether the client accepts manual time",
    )
    edit.set_defaults(run=run_edit, needs_data_dir=True)
    for name, what in (
        ("archive", "take a contract out of the pickers (its time stays)"),
        ("unarchive", "bring an archived contract back"),
    ):
        action = actions.add_parser(name, help=what)
        action.add_argument("id", type=contract_number, metavar="ID")
        action.set_defaults(run=run_archive, archived=name == "archive", needs_data_dir=True)
    link = actions.add_parser(
        "link",
        help="make a contract a marketplace's contract: its segments name the marketplace's id",
    )
    link.add_argument("id", type=contract_number, metavar="ID", help="the contract's number here")
    link.add_argument(
        "marketplace_id", metavar="MARKETPLACE_ID", help="the marketplace's id (m-...)"
    )
    link.set_defaults(run=run_link, needs_data_dir=True)
    listing = actions.add_parser("list", help="list contracts")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--all", action="store_true", help="archived contracts too")
    listing.set_defaults(run=list_contracts, needs_data_dir=True)


def run_add(args: argparse.Namespace, parts: Composition) -> int:
    form = ContractForm(args.title, args.client, args.rate, args.weekly_limit, args.manual_allowed)
    print(add_contract(parts.open_store(), form).id)
    return 0


def run_edit(args: argparse.Namespace, parts: Composition) -> int:
    store = parts.open_store()
    now = ContractForm.of(store.contract(args.id))
    form = ContractForm(
        title=now.title if args.title is None else args.title,
        client=now.client if args.client is None else args.client,
        rate=now.rate if args.rate is None else args.rate,
        weekly_limit=now.weekly_limit if args.weekly_limit is None else args.weekly_limit,
        manual_allowed=now.manual_allowed if args.manual_allowed is None else args.manual_allowed,
    )
    contract = edit_contract(store, args.id, form)
    limit = contract.weekly_limit_minutes
    terms = [
        f"{contract.rate:.2f} an hour",
        f"limit {limit / 60:g} h a week" if limit else "no weekly limit",
        "manual time allowed" if contract.manual_allowed else "no manual time",
    ]
    print(
        f"Contract {contract.id} is now: {safe(contract.title)} ({safe(contract.client)}), "
        + ", ".join(terms)
    )
    return 0


def run_archive(args: argparse.Namespace, parts: Composition) -> int:
    contract = archive_contract(parts.open_store(), args.id, args.archived)
    state = "archived: it is no longer offered" if args.archived else "back in the pickers"
    print(f"Contract {contract.id} ({safe(contract.title)}) is {state}; its time stays.")
    return 0


def run_link(args: argparse.Namespace, parts: Composition) -> int:
    store = parts.open_store()
    current = store.contract(args.id)
    if current.marketplace_id != args.marketplace_id and Ledger(store).names_contract(
        current.reference
    ):
        raise InvalidInput(
            f"Contract {current.id} ({current.title}) has signed records under "
            f"{current.reference} already, and a contract goes by one name in the signed diary. "
            "Add a new contract for the marketplace's and link that one.",
            code="contract-signed",
        )
    contract = link_contract(store, args.id, args.marketplace_id)
    print(
        f"Contract {contract.id} ({safe(contract.title)}) is the marketplace's contract "
        f"{safe(args.marketplace_id)}: segments signed from now on name it."
    )
    return 0


def list_contracts(args: argparse.Namespace, parts: Composition) -> int:
    store = parts.open_store()
    now = parts.clock.now()
    rows: list[dict[str, Any]] = [
        {
            "id": contract.id,
            "title": contract.title,
            "client": contract.client,
            "rate": f"{contract.rate:.2f}",
            "weekly_limit_hours": contract.weekly_limit_minutes / 60,
            "manual_allowed": contract.manual_allowed,
            "this_week_seconds": week_billable_seconds(store, contract.id, now),
            "archived": contract.archived_at is not None,
            "marketplace_id": contract.marketplace_id,
        }
        for contract in store.contracts(archived=args.all)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        archived_count = len(store.contracts())
        print(
            f"No contracts to work on ({archived_count} archived: see them with {command()} contract "
            "list --all)."
            if archived_count
            else f"No contracts yet. Add one: {command()} contract add --title T --client C "
            "--rate 45.00"
        )
        return 0
    print(f"{'ID':>4}  {'Title':<24} {'Client':<20} {'Rate/h':>8}  {'Limit':>6}  This week")
    for row in rows:
        limit = f"{row['weekly_limit_hours']:g} h" if row["weekly_limit_hours"] else "none"
        archived = " (archived)" if row["archived"] else ""
        if row["marketplace_id"]:
            archived += f" (marketplace {safe(row['marketplace_id'])})"
        print(
            f"{row['id']:>4}  {safe(row['title'])[:24]:<24} {safe(row['client'])[:20]:<20} "
            f"{row['rate']:>8}  {limit:>6}  {duration_text(row['this_week_seconds'])}{archived}"
        )
    return 0
