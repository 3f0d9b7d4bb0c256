"""diary: one UTC day of the work diary, as a table by hour or as JSON."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING

from composition import Composition
from diary.times import FIRST_YEAR, LAST_YEAR, day_start
from tracker.clock import Clock
from tracker.errors import InvalidInput

if TYPE_CHECKING:
    from sync.segment_marks import SyncMark

from .diary_text import day_range, diary_text, segment_json
from .values import contract_number


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diary = commands.add_parser("diary", help="show the work diary of a day")
    diary.add_argument("--date", help="YYYY-MM-DD (UTC); default today")
    diary.add_argument("--contract", type=contract_number, metavar="ID")
    diary.add_argument("--json", action="store_true")
    diary.set_defaults(run=show_diary, needs_data_dir=True)


def parse_day(text: str | None, clock: Clock) -> datetime:
    if text is None:
        return day_start(clock.now())
    try:
        parsed = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        parsed = None
    if parsed is None or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InvalidInput(
            f"--date takes a day as YYYY-MM-DD (of the years {FIRST_YEAR} to {LAST_YEAR}), "
            f"not {text[:40]!r}."
        )
    return day_start(parsed.replace(tzinfo=clock.now().tzinfo))


def show_diary(args: argparse.Namespace, parts: Composition) -> int:
    store = parts.open_store()
    day = parse_day(args.date, parts.clock)
    if args.contract is not None:
        store.contract(args.contract)
    start, end = day_range(day)
    views = store.views(store.segments_between(start, end, args.contract))
    if args.json:
        from sync.ledger import Ledger
        from sync.segment_marks import sync_marks

        signed = Ledger(store).signed_segments([v.segment.id for v in views])
        marks = sync_marks(store, [v.segment for v in views])
        data_dir = parts.data_dir
        rows = [
            segment_json(v, data_dir)
            | {"signed": v.segment.id in signed, "sync": _sync(marks.get(v.segment.id))}
            for v in views
        ]
        print(json.dumps(rows, indent=2))
    else:
        contracts = {c.id: c for c in store.contracts()}
        print(diary_text(views, contracts, day), end="")
    return 0


def _sync(mark: SyncMark | None) -> dict[str, str] | None:
    """Where the segment stands with the marketplace; None: not signed in, still open, or a
    contract kept on this device only."""
    return None if mark is None else {"state": mark.state.value, "why": mark.text}
