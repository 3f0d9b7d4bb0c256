"""The command line's entry: parse the arguments, run the command, turn errors into exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from composition import Composition
from diary.errors import BadBundle, ProtocolError
from tracker import __version__
from tracker.clock import Clock, SystemClock
from tracker.datadir import prepare_data_dir, resolve_data_dir
from tracker.errors import DataDirUnusable, InternalError, InvalidInput, TrackerError

from . import (
    bundles,
    contracts,
    desktop,
    diary,
    marketplace,
    review,
    serve,
    settings,
    signing,
    tracking,
    weeks,
)
from .messages import explain
from .program import program_name, remember_data_dir_option
from .terminal import safe

log = logging.getLogger("workdiary")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Time tracker and work diary for hourly contracts. With no command, it "
        "opens the desktop app (or brings up its window when it already runs).",
    )
    parser.add_argument("--version", action="version", version=f"workdiary {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the diary lives (default: $WORKDIARY_DATA_DIR, else the user data dir)",
    )
    parser.add_argument(
        "--side",
        choices=("client", "mediator"),
        help="act as the demo client or mediator of the data dir's marketplace on this "
        "computer, in a data dir of that side's own (<data dir>/sides/ROLE): first sign it in "
        "with: --side ROLE login --local",
    )
    parser.add_argument(
        "--quit",
        action="store_true",
        help="ask the app running for this data dir to quit (tracking stops, the segment is "
        "saved) and wait until it has",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that Workdiary works here, in a temporary data dir of its own: record a "
        "minute of made-up input and a screenshot on this X display, sign, export and verify "
        "them, and sync them to a marketplace started on this computer; prints how each step "
        "went, and exits 0 only if all pass",
    )
    parser.set_defaults(run=desktop.run, needs_data_dir=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (
        contracts,
        tracking,
        diary,
        settings,
        signing,
        bundles,
        review,
        weeks,
        marketplace,
        serve,
    ):
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    # What Workdiary writes is the user's alone: the data dir, its files, exported bundles.
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quit and args.command:
        parser.error("--quit asks the running app to quit; it takes no command")
    if args.self_test and (args.command or args.quit or args.side or args.data_dir is not None):
        parser.error(
            "--self-test works in a temporary data dir of its own; it takes no command, "
            "--data-dir, --side or --quit"
        )
    remember_data_dir_option(args.data_dir, args.side)
    clock = clock or SystemClock()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.self_test:
            # The signer, the keyring and the HTTP client: loaded for the self-test only.
            from .self_test import run as self_test
            from .self_test import temporary_data_dir

            args.run, data_dir = self_test, temporary_data_dir()
        else:
            data_dir = resolve_data_dir(args.data_dir)
        if args.side is not None:
            data_dir = _side(data_dir, args.side)
        if args.needs_data_dir:  # verify runs on a client's machine: no data dir there
            prepare_data_dir(data_dir)
            _log_to_file(data_dir)
        code: int = args.run(args, Composition(data_dir, clock))
        return code
    except TrackerError as error:
        print(f"workdiary: {safe(explain(error))}", file=sys.stderr)
        return error.exit_code
    except ProtocolError as error:  # its message may quote a hostile file: print it safely
        print(f"workdiary: {safe(explain(error))}", file=sys.stderr)
        return InvalidInput.exit_code if isinstance(error, BadBundle) else 1
    except Exception as error:  # a bug of ours: say so, with where the details are
        log.exception("unexpected error")
        problem = InternalError(
            f"Something went wrong inside Workdiary ({type(error).__name__}: {error}). "
            "Nothing recorded so far is lost. Please report this with the log file."
        )
        print(f"workdiary: {problem}", file=sys.stderr)
        return problem.exit_code


def _side(data_dir: Path, role: str) -> Path:
    """The data dir of ``role``'s side of ``data_dir``, sharing its marketplace on this computer."""
    from sync.local_marketplace import side_data_dir

    prepare_data_dir(data_dir)
    try:
        return side_data_dir(data_dir, role)
    except OSError as error:
        raise DataDirUnusable(
            f"The {role}'s side of {data_dir} cannot be made ({error.strerror or error})."
        ) from error


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
    path = data_dir / "workdiary.log"
    try:
        handler = _DataDirLog(path, encoding="utf-8")
    except OSError as error:
        raise DataDirUnusable(
            f"The log file {path} cannot be written ({error.strerror or error}): make it "
            "writable, or move it away."
        ) from error
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
