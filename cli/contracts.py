"""contract add, contract list: the freelancer's own contracts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from composition import Composition
from tracker.contract_fields import parse_rate, parse_weekly_limit, validate_name
from tracker.durations import duration_text
from tracker.week import week_billable_seconds

from .program import command
from .terminal import safe


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    contract = commands.add_parser("contract", help="add or list contracts")
    actions = contract.add_subparsers(dest="contract_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a contract and print its id")
    add.add_argument("--title", required=True)
    add.add_argument("--client", required=True)
    add.add_argument("--rate", required=True, help="hourly rate, e.g. 45.00")
    add.add_argument("--weekly-limit", default="0", help="hours a week, 0 for no limit")
    add.add_argument("--manual-allowed", action="store_true", help="the client accepts manual time")
    add.set_defaults(run=add_contract, needs_data_dir=True)
    listing = actions.add_parser("list", help="list contracts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_contracts, needs_data_dir=True)


def add_contract(args: argparse.Namespace, parts: Composition) -> int:
    contract = parts.open_store().add_contract(
        validate_name(args.title, "title"),
        validate_name(args.client, "client"),
        parse_rate(args.rate),
        parse_weekly_limit(args.weekly_limit),
        args.manual_allowed,
    )
    print(contract.id)
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
        }
        for contract in store.contracts()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(
            f"No contracts yet. Add one: {command()} contract add --title T --client C --rate 45.00"
        )
        return 0
    print(f"{'ID':>4}  {'Title':<24} {'Client':<20} {'Rate/h':>8}  {'Limit':>6}  This week")
    for row in rows:
        limit = f"{row['weekly_limit_hours']:g} h" if row["weekly_limit_hours"] else "none"
        print(
            f"{row['id']:>4}  {safe(row['title'])[:24]:<24} {safe(row['client'])[:20]:<20} "
            f"{row['rate']:>8}  {limit:>6}  {duration_text(row['this_week_seconds'])}"
        )
    return 0
