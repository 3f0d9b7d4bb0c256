"""Workdiary's composition root and command line: builds the clock, store and engine, and runs them."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diary.errors import BadBundle
from diary.times import day_start, week_start
from sync.autosign import SIGNING_WAIT_SECONDS, SigningRunner, SignOnClose
from sync.signing import SigningReport
from tracker import __version__
from tracker.activity import ActivityCounter
from tracker.clock import Clock, SystemClock
from tracker.datadir import TrackerLock, prepare_data_dir, resolve_data_dir
from tracker.diary import day_range, diary_text, duration_text, segment_json
from tracker.errors import InternalError, InvalidInput, TrackerError
from tracker.memo import validate_memo
from tracker.records import IdlePolicy, Segment
from tracker.settings import load_settings, save_setting, settings_table
from tracker.store import DATABASE_FILE, Store
from tracker.views import billable_seconds
from tracker.week import week_billable_seconds

if TYPE_CHECKING:  # imported where used: each command loads only what it needs
    from sync.signer import Signer

log = logging.getLogger("workdiary")
#: verify's exit code when the bundle was read but something in it does not verify.
VERIFY_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workdiary", description="Time tracker and work diary for hourly contracts."
    )
    parser.add_argument("--version", action="version", version=f"workdiary {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the diary lives (default: $WORKDIARY_DATA_DIR, else the user data dir)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    contract = commands.add_parser("contract", help="add or list contracts")
    contract_commands = contract.add_subparsers(
        dest="contract_command", metavar="ACTION", required=True
    )
    add = contract_commands.add_parser("add", help="add a contract and print its id")
    add.add_argument("--title", required=True)
    add.add_argument("--client", required=True)
    add.add_argument("--rate", required=True, help="hourly rate, e.g. 45.00")
    add.add_argument("--weekly-limit", default="0", help="hours a week, 0 for no limit")
    add.add_argument("--manual-allowed", action="store_true", help="the client accepts manual time")
    listing = contract_commands.add_parser("list", help="list contracts")
    listing.add_argument("--json", action="store_true")

    track = commands.add_parser("track", help="track time headless until Ctrl+C")
    track.add_argument("--contract", required=True, type=int, metavar="ID")
    track.add_argument("--memo", required=True, help="what you are working on")
    track.add_argument(
        "--for", dest="minutes", type=float, metavar="MINUTES", help="stop after this many minutes"
    )

    diary = commands.add_parser("diary", help="show the work diary of a day")
    diary.add_argument("--date", help="YYYY-MM-DD (UTC); default today")
    diary.add_argument("--contract", type=int, metavar="ID")
    diary.add_argument("--json", action="store_true")

    settings = commands.add_parser("settings", help="show settings, or set one: settings KEY VALUE")
    settings.add_argument("key", nargs="?")
    settings.add_argument("value", nargs="?")

    sign = commands.add_parser(
        "sign", help="sign closed segments and changes that wait to be signed"
    )
    sign.add_argument("--json", action="store_true")
    keys = commands.add_parser("keys", help="show the device keys, or replace the current one")
    keys.add_argument("action", nargs="?", choices=["show", "rotate"], default="show")

    export = commands.add_parser("export", help="export a week's signed diary as a zip bundle")
    export.add_argument("--week", help="ISO week like 2026-W48 (UTC); default this week")
    export.add_argument("--contract", type=int, metavar="ID", help="only this contract")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the zip to write")

    verify = commands.add_parser("verify", help="check a bundle; exit 0 only if all of it verifies")
    verify.add_argument("bundle", metavar="FILE")
    verify.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    args = build_parser().parse_args(argv)
    clock = clock or SystemClock()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "verify":  # a client's machine: no data dir, keyring or display
            return cmd_verify(args)
        data_dir = prepare_data_dir(resolve_data_dir(args.data_dir))
        _log_to_file(data_dir)
        handler = {
            None: cmd_app,
            "contract": cmd_contract,
            "track": cmd_track,
            "diary": cmd_diary,
            "settings": cmd_settings,
            "sign": cmd_sign,
            "keys": cmd_keys,
            "export": cmd_export,
        }[args.command]
        return handler(args, data_dir, clock)
    except TrackerError as error:
        print(f"workdiary: {error}", file=sys.stderr)
        return error.exit_code
    except BadBundle as error:
        print(f"workdiary: {error}", file=sys.stderr)
        return InvalidInput.exit_code
    except Exception as error:  # a bug of ours: say so, with where the details are
        log.exception("unexpected error")
        problem = InternalError(
            f"Something went wrong inside Workdiary ({type(error).__name__}: {error}). "
            "Nothing recorded so far is lost. Please report this with the log file."
        )
        print(f"workdiary: {problem}", file=sys.stderr)
        return problem.exit_code


class _DataDirLog(logging.FileHandler):
    """workdiary.log in the data dir: what the program did and what went wrong."""


def _log_to_file(data_dir: Path) -> None:
    """Details go to the log file; the terminal shows only errors (events are printed already)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, _DataDirLog):
            root.removeHandler(existing)
            existing.close()
        else:
            existing.setLevel(logging.ERROR)
    handler = _DataDirLog(data_dir / "workdiary.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def cmd_app(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    """The desktop app (app.py): the window, the engine on its own thread, the tray."""
    from app import run_app

    return run_app(data_dir, clock, own_command("--data-dir", str(data_dir), "sign", "--json"))


def open_store(data_dir: Path, clock: Clock) -> Store:
    return Store(data_dir / DATABASE_FILE, clock)


def open_signer(store: Store, clock: Clock) -> Signer:
    # Imported here: the tracker, which runs all day, signs through a separate process and
    # never loads the keyring library or the private key (see sync/autosign.py).
    from sync.keys import KeyringVault
    from sync.ledger import Ledger
    from sync.signer import Signer

    return Signer(store, Ledger(store), KeyringVault(), clock)


def own_command(*args: str) -> list[str]:
    """How this program runs itself: the frozen app's executable, or python main.py."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, str(Path(__file__).resolve()), *args]


# contract -----------------------------------------------------------------------------------


def parse_money(text: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"The rate must be a number like 45.00, not {text!r}.") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"The rate must be zero or more, not {text}.")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"The rate has at most two decimals (cents), not {text}.")
    return int(value * 100)


def parse_limit_hours(text: str) -> int:
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"The weekly limit must be a number of hours, not {text!r}.") from None
    if not hours.is_finite() or hours < 0 or hours > 168:
        raise InvalidInput(f"The weekly limit must be 0 (no limit) to 168 hours, not {text}.")
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise InvalidInput(f"The weekly limit must be a whole number of minutes, not {text} h.")
    return int(minutes)


def cmd_contract(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    store = open_store(data_dir, clock)
    if args.contract_command == "add":
        title, client = args.title.strip(), args.client.strip()
        if not title or not client:
            raise InvalidInput("A contract needs a title and a client.")
        contract = store.add_contract(
            title,
            client,
            parse_money(args.rate),
            parse_limit_hours(args.weekly_limit),
            args.manual_allowed,
        )
        print(contract.id)
        return 0
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for contract in store.contracts():
        used = week_billable_seconds(store, contract.id, now)
        rows.append(
            {
                "id": contract.id,
                "title": contract.title,
                "client": contract.client,
                "rate": f"{contract.rate:.2f}",
                "weekly_limit_hours": contract.weekly_limit_minutes / 60,
                "manual_allowed": contract.manual_allowed,
                "this_week_seconds": used,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(
            "No contracts yet. Add one: python main.py contract add --title T --client C --rate 45.00"
        )
        return 0
    print(f"{'ID':>4}  {'Title':<24} {'Client':<20} {'Rate/h':>8}  {'Limit':>6}  This week")
    for row in rows:
        limit = f"{row['weekly_limit_hours']:g} h" if row["weekly_limit_hours"] else "none"
        print(
            f"{row['id']:>4}  {row['title'][:24]:<24} {row['client'][:20]:<20} "
            f"{row['rate']:>8}  {limit:>6}  {duration_text(row['this_week_seconds'])}"
        )
    return 0


# track --------------------------------------------------------------------------------------


def cmd_track(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    from tracker.engine import Engine
    from tracker.headless import print_event, run_until_stopped
    from tracker.platform import detect_platform
    from tracker.screenshots import ScreenshotTaker

    settings = load_settings(data_dir)
    memo = validate_memo(args.memo)
    if args.minutes is not None and args.minutes <= 0:
        raise InvalidInput("--for takes a positive number of minutes.")
    with TrackerLock(data_dir):
        store = open_store(data_dir, clock)
        store.contract(args.contract)  # an unknown contract is refused before anything starts
        counter = ActivityCounter()
        platform = detect_platform()
        engine = Engine(
            clock,
            store,
            settings,
            counter,
            screenshots=ScreenshotTaker(data_dir, platform.screen),
            idle=platform.idle,
            input_source=platform.input,
        )
        engine.subscribe(print_event)
        notes = SigningNotes()
        signing = SigningRunner(
            own_command("--data-dir", str(data_dir), "sign", "--json"), notes.show
        )
        engine.subscribe(SignOnClose(signing.request))
        for segment in engine.recover():
            print(
                f"Closed a segment left open by an unexpected stop at {segment.end:%H:%M:%S} UTC."
            )
        if settings.idle_policy_value is IdlePolicy.ASK:
            print(
                "Idle policy is 'ask', but nobody can be asked when tracking headless: "
                "idle time will be discarded. Change it with: python main.py settings idle_policy keep"
            )
        signing.request()  # whatever an earlier run left unsigned
        try:
            started = engine.start(args.contract, memo)
            until = started.start + timedelta(minutes=args.minutes) if args.minutes else None
            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            print("Counting input now.", flush=True)
            run_until_stopped(engine, clock, stop, until)
            print_run_total(store, started, clock)
        finally:
            platform.input.stop()  # the engine stops it with tracking; this covers an error
            platform.screen.close()
            if not signing.wait(SIGNING_WAIT_SECONDS):
                print("Signing is still running; what it has not signed is signed next time.")
            store.close()
    return 0


def print_run_total(store: Store, started: Segment, clock: Clock) -> None:
    until = clock.now() + timedelta(minutes=10)  # every segment of this run starts before it
    segments = store.segments_between(started.start, until, started.contract_id)
    seconds = billable_seconds(store.views(segments, with_minutes=False))
    print(
        f"Tracked {duration_text(seconds)} billable in this run. See it with: python main.py diary"
    )


# diary and settings -------------------------------------------------------------------------


def parse_day(text: str | None, clock: Clock) -> datetime:
    if text is None:
        return day_start(clock.now())
    try:
        parsed = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(f"--date takes a day as YYYY-MM-DD, not {text!r}.") from None
    return day_start(parsed.replace(tzinfo=clock.now().tzinfo))


def cmd_diary(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    store = open_store(data_dir, clock)
    day = parse_day(args.date, clock)
    if args.contract is not None:
        store.contract(args.contract)
    start, end = day_range(day)
    views = store.views(store.segments_between(start, end, args.contract))
    if args.json:
        from sync.ledger import Ledger

        signed = Ledger(store).signed_segments([v.segment.id for v in views])
        rows = [segment_json(v, data_dir) | {"signed": v.segment.id in signed} for v in views]
        print(json.dumps(rows, indent=2))
    else:
        contracts = {c.id: c for c in store.contracts()}
        print(diary_text(views, contracts, day), end="")
    return 0


def cmd_settings(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    if args.key is not None and args.value is None:
        raise InvalidInput(f"Give a value too: python main.py settings {args.key} VALUE")
    if args.key is not None:
        settings = save_setting(data_dir, args.key, args.value)
        print(f"{args.key} = {_setting_text(getattr(settings, args.key))}")
        return 0
    for key, value, meaning in settings_table(load_settings(data_dir)):
        print(f"{key:<24} {_setting_text(value):<8} {meaning}")
    return 0


def _setting_text(value: object) -> str:
    """As written in settings.toml: booleans are true and false."""
    return str(value).lower() if isinstance(value, bool) else str(value)


# signing, keys, export, verify -------------------------------------------------------------


class SigningNotes:
    """Tells the user about signing problems once, not at every segment, and when they end."""

    def __init__(self) -> None:
        self._problem: str | None = None

    def show(self, report: SigningReport) -> None:
        for notice in report.notices:
            print(notice, flush=True)
        if report.problem and report.problem != self._problem:
            print(f"Not signed yet: {report.problem}", flush=True)
        elif self._problem and not report.problem:
            print(f"Signing works again: signed {report.signed} waiting record(s).", flush=True)
        self._problem = report.problem


def cmd_sign(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    from sync.errors import KeyringUnavailable

    report = open_signer(open_store(data_dir, clock), clock).sign_pending()
    if args.json:  # for the tracker, which signs through this command
        print(json.dumps(report.to_json()))
        return KeyringUnavailable.exit_code if report.problem else 0
    for notice in report.notices:
        print(notice)
    if report.problem:
        raise KeyringUnavailable(f"{report.waiting} record(s) wait to be signed. {report.problem}")
    print(f"Signed {report.signed} record(s). Nothing waits to be signed.")
    return 0


def cmd_keys(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    store = open_store(data_dir, clock)
    signer = open_signer(store, clock)
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


def cmd_export(args: argparse.Namespace, data_dir: Path, clock: Clock) -> int:
    from sync.export import export_bundle, parse_week, week_label
    from sync.ledger import Ledger

    start = parse_week(args.week) if args.week else week_start(clock.now())
    store = open_store(data_dir, clock)
    if args.contract is not None:
        store.contract(args.contract)
    report = open_signer(store, clock).sign_pending()
    for notice in report.notices:
        print(notice)
    out = Path(args.output).expanduser()
    summary = export_bundle(
        store,
        Ledger(store),
        data_dir,
        start,
        args.contract,
        out,
        clock.now(),
        f"workdiary {__version__}",
    )
    print(
        f"Wrote {out}: week {week_label(start)}, {summary.records} record(s) "
        f"({summary.in_scope} with details), {summary.screenshots} screenshot(s)."
    )
    for warning in summary.warnings + ([report.problem] if report.problem else []):
        print(f"Warning: {warning}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from diary.bundle import verify_bundle
    from sync.report import verdict_json, verdict_text

    verdict = verify_bundle(Path(args.bundle).expanduser())
    if args.json:
        print(json.dumps(verdict_json(verdict), indent=2))
    else:
        print(verdict_text(verdict), end="")
    return 0 if verdict.ok else VERIFY_FAILED


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
