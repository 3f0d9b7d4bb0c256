"""review: a client's review of a week, from a bundle file (no marketplace needed): each segment
with its verdict, protection and flags, and the week's totals; as text or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from composition import Composition
from diary.times import timestamp
from tracker.durations import clock_text

from .terminal import safe

if TYPE_CHECKING:
    from review.week import Review, ReviewSegment

#: Exit code when the bundle does not verify whole (as `verify`).
REVIEW_FAILED = 1


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = commands.add_parser(
        "review",
        help="review a week as its client: every segment verified, its protection and flags, "
        "and the totals",
    )
    review.add_argument(
        "--bundle", metavar="FILE", required=True, help="the week's bundle (a zip file)"
    )
    review.add_argument(
        "--rate",
        metavar="AMOUNT",
        help="the contract's hourly rate (e.g. 45.00), for the amounts",
    )
    review.add_argument("--json", action="store_true")
    review.set_defaults(run=run_review, needs_data_dir=False)


def run_review(args: argparse.Namespace, parts: Composition) -> int:
    """Needs no data dir, display, keyring or marketplace, as `verify`."""
    from review.week import review_bundle
    from tracker.contract_fields import parse_rate

    rate = None if args.rate is None else parse_rate(args.rate)
    found = review_bundle(Path(args.bundle).expanduser(), rate)
    if args.json:
        print(json.dumps(review_json(found), indent=2))
    else:
        print(review_text(found), end="")
    return 0 if found.ok else REVIEW_FAILED


def review_json(review: Review) -> dict[str, Any]:
    totals = review.totals
    return {
        "ok": review.ok,
        "bundle": str(review.verdict.path),
        "failures": len(review.verdict.failures) + review.verdict.more_failures,
        "marketplace": review.verdict.marketplace,
        "segments": [_segment_json(s) for s in review.segments],
        "totals": {
            "tracked_seconds": totals.tracked,
            "manual_seconds": totals.manual,
            "deleted_seconds": totals.deleted,
            "idle_discarded_seconds": totals.idle_discarded,
            "over_limit_seconds": totals.over_limit,
            "verified_billable_seconds": totals.verified_billable,
            "protected_seconds": totals.protected,
            "rate_cents": totals.rate_cents,
            "amount_cents": totals.amount_cents,
            "protected_cents": totals.protected_cents,
        },
    }


def _segment_json(s: ReviewSegment) -> dict[str, Any]:
    return {
        "id": s.id,
        "contract": s.contract,
        "device": s.device,
        "seq": s.seq,
        "kind": s.kind.value,
        "state": s.state.value,
        "start": timestamp(s.start),
        "end": timestamp(s.end),
        "memo": s.memo,
        "billable_seconds": s.billable_seconds,
        "active_minutes": s.active_minutes,
        "tracked_minutes": len(s.minutes),
        "screenshots": [x.sha256 for x in s.screenshots],
        "verified": s.verified,
        "failures": list(s.failures),
        "received_at": None if s.received_at is None else timestamp(s.received_at),
        "lag_seconds": s.lag_seconds,
        "protected": s.protected,
        "unprotected": [r.value for r in s.unprotected],
        "protection": s.protection_text,
        "flags": [
            {"kind": f.kind.value, "seen": f.seen, "threshold": f.threshold} for f in s.flags
        ],
    }


def review_text(review: Review) -> str:
    lines = []
    verdict = review.verdict
    if review.ok:
        lines.append(f"The week verifies: {len(review.segments)} segment(s).")
    else:
        count = len(verdict.failures) + verdict.more_failures
        lines.append(
            f"The week does NOT verify whole: {count} failure(s); the segments they touch do "
            "not count (see each below, or run verify for every failure)."
        )
    day = ""
    for s in review.segments:
        if f"{s.start:%Y-%m-%d}" != day:
            day = f"{s.start:%Y-%m-%d}"
            lines.append(f"\n{s.start:%A %Y-%m-%d} (UTC)")
        verdict_word = "verified" if s.verified else "FAILED"
        protection = "protected" if s.protected else "not protected"
        lines.append(
            f"  {s.start:%H:%M}–{s.end:%H:%M}  {s.state.value:<14} {verdict_word:<8} "
            f"{protection:<13} {s.active_minutes}/{len(s.minutes)} min active  "
            f"{safe(s.memo)}"
        )
        for failure in s.failures:
            lines.append(f"      failed: {safe(failure)}")
        if not s.protected:
            lines.append(f"      {s.protection_text}")
        for flag in s.flags:
            lines.append(f"      flag {flag.kind.value}: {flag.text()}")
    totals = review.totals
    lines.append("")
    lines.append(
        f"Tracked {clock_text(totals.tracked)}, manual {clock_text(totals.manual)}, deleted "
        f"{clock_text(totals.deleted)}, idle discarded {clock_text(totals.idle_discarded)}, "
        f"over the limit {clock_text(totals.over_limit)}."
    )
    amount = "" if totals.amount_cents is None else f" = {_money(totals.amount_cents)}"
    protected = "" if totals.protected_cents is None else f" = {_money(totals.protected_cents)}"
    lines.append(f"Verified billable: {clock_text(totals.verified_billable)}{amount}.")
    lines.append(
        f"Protected (payable whatever is disputed): {clock_text(totals.protected)}{protected}."
    )
    return "\n".join(lines) + "\n"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
