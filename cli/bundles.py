"""export, verify: a week's signed diary as a bundle, and checking one."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from composition import Composition
from diary.times import FIRST_YEAR, LAST_YEAR, WEEK, parse_week_name, week_start
from tracker import __version__
from tracker.errors import InvalidInput

from .messages import advice
from .values import contract_number

#: verify's exit code when the bundle was read but something in it does not verify.
VERIFY_FAILED = 1
EXPORT_DESCRIPTION = (
    "Write a billing week's signed diary (one contract's, or all) as a zip bundle for the "
    "client, who checks it with verify. Export first signs what waits. Every segment of the "
    "week, and every change to one, must be signed: if signing cannot happen (no system "
    "keyring), nothing is written and the exit code is 3. A week without segments is "
    "exported all the same (exit 0): the bundle shows no hours, and export says so. On a "
    "device signed in to a marketplace, the bundle carries the marketplace's receipts of its "
    "records that the device holds (those of records synced so far)."
)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="export a week's signed diary as a zip bundle",
        description=EXPORT_DESCRIPTION,
    )
    export.add_argument("--week", help="ISO week like 2026-W48 (UTC); default this week")
    export.add_argument("--contract", type=contract_number, metavar="ID", help="only this contract")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the zip to write")
    export.set_defaults(run=export_week, needs_data_dir=True)
    verify = commands.add_parser("verify", help="check a bundle; exit 0 only if all of it verifies")
    verify.add_argument("bundle", metavar="FILE")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=verify_file, needs_data_dir=False)


def parse_week(text: str) -> datetime:
    """Monday 00:00 UTC of an ISO week written 2026-W48."""
    try:
        return parse_week_name(text)
    except ValueError:
        raise InvalidInput(
            f"--week takes an ISO week like 2026-W48 (of the years {FIRST_YEAR} to {LAST_YEAR}), "
            f"not {text[:40]!r}."
        ) from None


def export_week(args: argparse.Namespace, parts: Composition) -> int:
    from diary.bundle_writer import week_label
    from sync.export import export_bundle
    from sync.ledger import Ledger
    from sync.outbox import Outbox

    start = parse_week(args.week) if args.week else week_start(parts.clock.now())
    store = parts.open_store()
    if args.contract is not None:
        store.contract(args.contract)
    report = parts.signer(store).sign_pending()
    for notice in report.notices:
        print(notice)
    out = Path(args.output).expanduser()
    summary = export_bundle(
        store,
        Ledger(store),
        parts.data_dir,
        start,
        args.contract,
        out,
        parts.clock.now(),
        f"workdiary {__version__}",
        why_unsigned=report.problem,
        outbox=Outbox(store),
    )
    print(
        f"Wrote {out}: week {week_label(start)}, {summary.records} record(s) "
        f"({summary.in_scope} with details), {summary.screenshots} screenshot(s), "
        f"{summary.receipts} marketplace receipt(s)."
    )
    if not summary.segments:
        closed = " closed" if summary.open_segments else ""
        line = f"{summary.period} has no{closed} segments: the bundle shows no hours."
        if args.week is None:
            line += (
                f" That is this week; name another with --week, for example --week "
                f"{week_label(start - WEEK)}."
            )
        print(line)
    if summary.open_segments:
        print(
            f"{summary.open_segments} segment(s) still open (being tracked, or left open by an "
            "unexpected stop until Workdiary next starts) are not in the bundle: export again "
            "once they are closed."
        )
    warnings = list(summary.warnings)
    if report.problem and report.waiting:
        # Nothing of this bundle waits (export_bundle refuses then), but other records do.
        more = advice(report.code)
        warnings.append(
            f"{report.waiting} record(s) outside this bundle wait to be signed. {report.problem}"
            + (f" {more}" if more else "")
        )
    for warning in warnings:
        print(f"Warning: {warning}")
    return 0


def verify_file(args: argparse.Namespace, parts: Composition) -> int:
    """Needs no data dir, display or keyring: a client's machine has none of them."""
    from diary.bundle import verify_bundle
    from diary.errors import BadBundle

    from .verdict_text import verdict_json, verdict_text

    path = Path(args.bundle).expanduser()
    try:
        verdict = verify_bundle(path)
    except BadBundle as error:
        if not args.json:
            raise
        print(json.dumps({"ok": False, "bundle": str(path), "refused": str(error)}, indent=2))
        return InvalidInput.exit_code
    if args.json:
        print(json.dumps(verdict_json(verdict), indent=2))
    else:
        print(verdict_text(verdict), end="")
    return 0 if verdict.ok else VERIFY_FAILED
