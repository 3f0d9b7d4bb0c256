"""weeks: the contracts this account is party to on the marketplace, each with its latest
billing weeks (state, hours, amount, where the money is): what a client picks a week from."""

from __future__ import annotations

import argparse
import json

from composition import Composition
from tracker.durations import clock_text

from .terminal import money_text, safe


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    weeks = commands.add_parser(
        "weeks",
        help="your marketplace contracts and their latest weeks: state, hours and amount",
    )
    weeks.add_argument("--json", action="store_true")
    weeks.set_defaults(run=run_weeks, needs_data_dir=True)


def run_weeks(args: argparse.Namespace, parts: Composition) -> int:
    from review.contract_weeks import contract_weeks
    from sync.session import marketplace_session
    from sync.tokens import KeyringTokens

    with marketplace_session(parts.open_store(), KeyringTokens(), parts.local_marketplace()) as (
        client,
        _,
    ):
        found = contract_weeks(client, parts.clock.now())
    if args.json:
        print(json.dumps([{"contract": c.contract, "weeks": c.weeks} for c in found], indent=2))
        return 0
    if not found:
        print("No contract on the marketplace has begun yet.")
    for item in found:
        contract = item.contract
        print(
            f"{safe(contract['title'])} ({contract['id']}): {safe(contract['client']['name'])} "
            f"hires {safe(contract['freelancer']['name'])} at "
            f"{money_text(contract['hourly_rate_cents'])}/h"
        )
        for week in item.weeks:
            print(
                f"  {week['week']}  {week['state']:<10} {clock_text(week['billable_seconds']):>7}  "
                f"{money_text(week['amount_cents']):>9}  held {money_text(week['held_cents'])}, "
                f"released {money_text(week['released_cents'])}, refunded "
                f"{money_text(week['refunded_cents'])}"
            )
    return 0
