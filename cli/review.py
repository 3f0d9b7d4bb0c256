"""review: a client's review of a week, from a bundle file (no marketplace needed): each segment
with its verdict, protection and flags, and the week's totals; as text or JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from composition import Composition
from diary.times import WEEK, timestamp, week_start
from tracker.durations import clock_text
from tracker.errors import EnvironmentProblem, InvalidInput, is_disk_full
from tracker.output_files import check_target

from .program import command
from .terminal import money_text, safe

if TYPE_CHECKING:
    from review.week import Review, ReviewSegment
    from sync.marketplace_client import MarketplaceClient

#: Exit code when the bundle does not verify whole (as `verify`).
REVIEW_FAILED = 1


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = commands.add_parser(
        "review",
        help="review a week as its client: every segment verified, its protection and flags, "
        "and the totals (from the marketplace, or a bundle file)",
    )
    source = review.add_mutually_exclusive_group(required=True)
    source.add_argument("--bundle", metavar="FILE", help="the week's bundle (a zip file)")
    source.add_argument(
        "--contract", metavar="ID", help="the marketplace's contract (m-...): its week from there"
    )
    review.add_argument("--week", metavar="2026-W48", help="the billing week (default: last week)")
    review.add_argument(
        "--rate", metavar="AMOUNT", help="the hourly rate (e.g. 45.00) of a bundle, for amounts"
    )
    review.add_argument(
        "--save-bundle",
        metavar="FILE",
        help="keep the week's bundle from the marketplace in FILE (to verify or send on)",
    )
    review.add_argument("--json", action="store_true")
    review.add_argument(
        "--html",
        metavar="FILE",
        help="also save the review as one HTML file that any browser opens (screenshots inside)",
    )
    review.set_defaults(run=run_review, needs_data_dir=False)
    approve = commands.add_parser(
        "approve", help="approve a week in review (its client): its amount is released"
    )
    approve.add_argument("--contract", metavar="ID", required=True)
    approve.add_argument("--week", metavar="2026-W48", required=True)
    approve.set_defaults(run=run_approve, needs_data_dir=True)
    dispute = commands.add_parser(
        "dispute", help="dispute chosen segments of a week in review (its client), with a reason"
    )
    dispute.add_argument("--contract", metavar="ID", required=True)
    dispute.add_argument("--week", metavar="2026-W48", required=True)
    dispute.add_argument(
        "--segment", metavar="ID", action="append", required=True, help="a segment (repeat)"
    )
    dispute.add_argument("--reason", required=True)
    dispute.add_argument("--yes", action="store_true", help="confirm without asking")
    dispute.set_defaults(run=run_dispute, needs_data_dir=True)
    mediate = commands.add_parser(
        "mediate", help="decide a disputed segment (a mediator): pay or refund, with a reason"
    )
    mediate.add_argument("--dispute", metavar="ID", required=True)
    mediate.add_argument("--segment", metavar="ID", required=True)
    ruling = mediate.add_mutually_exclusive_group(required=True)
    ruling.add_argument("--pay", action="store_true", help="pay it to the freelancer")
    ruling.add_argument("--refund", action="store_true", help="refund it to the client")
    mediate.add_argument("--reason", required=True)
    mediate.set_defaults(run=run_mediate, needs_data_dir=True)
    comment = commands.add_parser(
        "comment", help="answer a dispute (its freelancer, its client or a mediator)"
    )
    comment.add_argument("--dispute", metavar="ID", required=True)
    comment.add_argument("--text", required=True)
    comment.set_defaults(run=run_comment, needs_data_dir=True)


def run_review(args: argparse.Namespace, parts: Composition) -> int:
    """From a bundle: needs no data dir, display, keyring or marketplace, as `verify`."""
    from review.week import review_bundle
    from tracker.contract_fields import parse_rate

    report = _report_target(args)
    if args.contract is not None:
        return _review_from_marketplace(args, parts, report)
    rate = None if args.rate is None else parse_rate(args.rate)
    found = review_bundle(Path(args.bundle).expanduser(), rate)
    _show(args, found)
    if report is not None:
        _save_report(args, report, found)
    return 0 if found.ok else REVIEW_FAILED


def _report_target(args: argparse.Namespace) -> Path | None:
    """Where --html saves the report: a file, never a folder or anything else at its place."""
    if args.html is None:
        return None
    out = Path(args.html).expanduser()
    check_target(out, "report", "week.html")
    return out


def _save_report(
    args: argparse.Namespace,
    out: Path,
    found: Review,
    title: str | None = None,
    client: str | None = None,
) -> None:
    """Write the HTML report to a new private file beside ``out`` (a name nobody can guess,
    readable by this user only), then rename it: a failed write never leaves half a report."""
    from review.html_report import week_html

    page = week_html(found, found.verdict.path, title=title, client=client)
    partial: str | None = None
    try:
        handle, partial = tempfile.mkstemp(
            prefix=f".{out.name}.", suffix=".partial", dir=out.parent
        )
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(page)
        os.replace(partial, out)
    except OSError as error:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
        if is_disk_full(error):
            raise EnvironmentProblem(
                f"The disk holding {out} is full: the report was not saved.",
                code="report-disk-full",
            ) from error
        raise EnvironmentProblem(
            f"Cannot save the report {out}: {error.strerror or error}.", code="report-unwritable"
        ) from error
    # With --json, standard output holds the JSON alone.
    print(f"Saved the report to {safe(str(out))}", file=sys.stderr if args.json else sys.stdout)


def _show(
    args: argparse.Namespace,
    found: Review,
    week: dict[str, Any] | None = None,
    disputes: list[dict[str, Any]] | None = None,
) -> None:
    if args.json:
        shown = review_json(found)
        if week is not None:
            shown["week"] = week
            shown["disputes"] = disputes or []
        print(json.dumps(shown, indent=2))
        return
    if week is not None:
        print(
            f"Week {week['week']} of contract {args.contract}: {week['state']}; amount "
            f"{money_text(week['amount_cents'])}, in escrow {money_text(week['escrow_cents'])}, held "
            f"{money_text(week['held_cents'])}, released {money_text(week['released_cents'])}, "
            f"refunded {money_text(week['refunded_cents'])}."
        )
    for dispute in disputes or []:
        print(dispute_text(dispute), end="")
    print(review_text(found), end="")


def dispute_text(dispute: dict[str, Any]) -> str:
    """A dispute as both sides read it: the reason, each segment's decision, the comments."""
    lines = [f"Dispute {dispute['id']}: {safe(dispute['reason'])}"]
    for segment in dispute["segments"]:
        decided = segment["decision"]
        lines.append(
            f"  {segment['segment'][:12]}  "
            + (
                "waits for a mediator"
                if decided is None
                else f"decided: {decided['decision']} ({money_text(decided['cents'])}): "
                f"{safe(decided['reason'])}"
            )
        )
    for comment in dispute["comments"]:
        lines.append(f"  comment by {safe(comment['by'])}: {safe(comment['text'])}")
    return "\n".join(lines) + "\n"


@contextmanager
def _week_review(args: argparse.Namespace, parts: Composition) -> Iterator[_WeekReview]:
    """The week from the marketplace, its bundle reviewed, in the device's session."""
    from review.week import review_bundle
    from sync.session import marketplace_session
    from sync.tokens import KeyringTokens

    with (
        marketplace_session(parts.open_store(), KeyringTokens(), parts.local_marketplace()) as (
            client,
            _,
        ),
        tempfile.TemporaryDirectory() as temp,
    ):
        week_name = args.week or _default_week(client, args.contract, parts.clock.now())
        week = client.week(args.contract, week_name)
        path = Path(temp) / f"{week_name}.zip"
        path.write_bytes(client.week_bundle(args.contract, week_name))
        if getattr(args, "save_bundle", None):
            kept = Path(args.save_bundle).expanduser()
            check_target(kept, "bundle", "week.zip")
            _keep_bundle(path, kept)
        yield _WeekReview(client, week_name, week, review_bundle(path, week["rate_cents"]))


def _default_week(client: MarketplaceClient, contract_id: str, now: datetime) -> str:
    """Last week, the one in review; this week for a contract that began this week."""
    from diary.bundle_writer import week_label
    from diary.times import parse_timestamp

    last = week_start(now) - WEEK
    contract = next((c for c in client.contracts() if c["id"] == contract_id), None)
    began = None if contract is None else contract.get("accepted_at")
    if began is not None and week_start(parse_timestamp(began)) > last:
        return week_label(week_start(now))
    return week_label(last)


@dataclass
class _WeekReview:
    client: MarketplaceClient
    name: str
    week: dict[str, Any]
    review: Review


def _review_from_marketplace(
    args: argparse.Namespace, parts: Composition, report: Path | None
) -> int:
    with _week_review(args, parts) as found:
        # The week's disputes with their decisions and comments: both sides see them.
        disputes = [
            d
            for d in found.client.disputes()
            if d["contract"] == args.contract and d["week"] == found.name
        ]
        _show(args, found.review, found.week, disputes)
        if report is not None:
            # The bundle does not name the contract's title or client: the marketplace does.
            contract = next((c for c in found.client.contracts() if c["id"] == args.contract), {})
            client = contract.get("client") or {}
            _save_report(args, report, found.review, contract.get("title"), client.get("name"))
        return 0 if found.review.ok else REVIEW_FAILED


def run_approve(args: argparse.Namespace, parts: Composition) -> int:
    with _week_review(args, parts) as found:
        if not found.review.ok:
            raise InvalidInput(
                f"Week {found.name}'s bundle does not verify "
                f"({len(found.review.verdict.failures)} failure(s)): the marketplace's copy "
                "is not what the freelancer's device recorded, and approval is refused until "
                f"it is put right. See why with: {command()} review --contract {args.contract} "
                f"--week {found.name}",
                code="week-does-not-verify",
            )
        week = found.client.approve(args.contract, found.name)
    if week["state"] == "disputed":
        rest = week["amount_cents"] - week["held_cents"] - week["refunded_cents"]
        print(
            f"Approved the rest of week {found.name}: {money_text(rest)} is released to the "
            f"freelancer on {week['releases_at'][:10]}; {money_text(week['held_cents'])} stays "
            "held until a mediator decides. Nothing more of the week can be disputed."
        )
        return 0
    print(
        f"Approved week {found.name}: {money_text(week['amount_cents'])} is released to the "
        f"freelancer on {week['releases_at'][:10]}."
    )
    return 0


def run_dispute(args: argparse.Namespace, parts: Composition) -> int:
    from diary.rules import amount_cents

    with _week_review(args, parts) as found:
        chosen = [_segment(found.review, s) for s in args.segment]
        protected = [s for s in chosen if s.protected]
        seconds = sum(s.billable_seconds for s in chosen if not s.protected)
        held = amount_cents(seconds, found.week["rate_cents"])
        print(
            f"Disputing {len(chosen)} segment(s) of week {found.name}: "
            f"{money_text(held)} would be held in escrow until a mediator decides."
        )
        if protected:
            one = len(protected) == 1
            print(
                f"{len(protected)} of them {'is' if one else 'are'} protected (their evidence "
                f"meets the rule): {'it stays' if one else 'they stay'} payable unless a "
                "mediator rules otherwise: " + ", ".join(f"{s.start:%a %H:%M}" for s in protected)
            )
        if not args.yes and not _confirmed():
            print("Nothing was disputed.")
            return 0
        answer = found.client.dispute(
            args.contract, found.name, [s.id for s in chosen], args.reason
        )
    print(
        f"Disputed: dispute {answer['id']}. Held {money_text(answer['week']['held_cents'])}; the "
        "freelancer sees the dispute and can answer."
    )
    return 0


def run_mediate(args: argparse.Namespace, parts: Composition) -> int:
    from sync.session import marketplace_session
    from sync.tokens import KeyringTokens

    with marketplace_session(parts.open_store(), KeyringTokens(), parts.local_marketplace()) as (
        client,
        _,
    ):
        dispute = client.dispute_detail(args.dispute)
        ids = [s["segment"] for s in dispute["segments"]]
        matches = [i for i in ids if i.startswith(args.segment)]
        segment = matches[0] if len(matches) == 1 else args.segment
        decision = "pay" if args.pay else "refund"
        answer = client.decide(args.dispute, segment, decision, args.reason)
    decided = next(s for s in answer["segments"] if s["segment"] == segment)["decision"]
    moved = (
        "nothing moves: it was payable all along"
        if decided["cents"] == 0
        else f"{money_text(decided['cents'])} "
        + ("to the freelancer" if decision == "pay" else "back to the client")
    )
    print(f"Decided {decision} for segment {segment[:12]}: {moved}.")
    if answer["decided"]:
        print("Every segment of this dispute is decided.")
    return 0


def run_comment(args: argparse.Namespace, parts: Composition) -> int:
    from sync.session import marketplace_session
    from sync.tokens import KeyringTokens

    with marketplace_session(parts.open_store(), KeyringTokens(), parts.local_marketplace()) as (
        client,
        _,
    ):
        answer = client.comment(args.dispute, args.text)
    print(
        f"Commented on dispute {args.dispute[:12]} ({len(answer['comments'])} comment(s) so "
        "far): both sides and the mediator see it."
    )
    return 0


def _segment(review: Review, given: str) -> ReviewSegment:
    matches = [s for s in review.segments if s.id.startswith(given)]
    if len(matches) != 1:
        raise InvalidInput(
            f"{given!r} names {'no' if not matches else 'more than one'} segment of this week: "
            "give a segment's id as review prints it.",
            code="unknown-segment",
        )
    return matches[0]


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        raise InvalidInput(
            "Confirm the dispute on a terminal, or with --yes from a script.",
            code="confirmation-needed",
        )
    return input("Dispute them? [y/N] ").strip().lower() in ("y", "yes")


def _keep_bundle(fetched: Path, out: Path) -> None:
    """The fetched bundle, copied to ``out`` whole or not at all, readable by this user only."""
    import shutil

    partial = out.with_name(f".{out.name}.partial")
    try:
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "wb") as target, fetched.open("rb") as source:
            shutil.copyfileobj(source, target)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InvalidInput(
            f"The week's bundle could not be kept in {out} ({error.strerror or error}): "
            "name a file in a folder you can write to.",
            code="bundle-not-saved",
        ) from error


def review_json(review: Review) -> dict[str, Any]:
    totals = review.totals
    manifest = review.verdict.manifest
    return {
        "ok": review.ok,
        "bundle": str(review.verdict.path),
        # What the bundle covers, as verify read it from the manifest.
        "period": manifest.get("period"),
        "bundle_week": manifest.get("week"),
        "bundle_contract": manifest.get("contract"),
        # The manifest's word (nothing signs them), as verify shows them.
        "contract_names": {
            c: n.to_json() for c, n in sorted(review.verdict.contract_names.items())
        },
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
        "screenshots_taken": [timestamp(x.taken_at) for x in s.screenshots],
        "minutes": [
            {
                "start": timestamp(m.start),
                "keys": m.keys,
                "clicks": m.clicks,
                "scrolls": m.scrolls,
                "moves": m.moves,
                "injected": m.injected,
                "active": m.active,
            }
            for m in s.minutes
        ],
        "idle_seconds": s.idle_seconds,
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
            f"  {s.start:%H:%M}–{s.end:%H:%M}  {s.id[:12]}  {s.state.value:<14} {verdict_word:<8} "
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
    amount = "" if totals.amount_cents is None else f" = {money_text(totals.amount_cents)}"
    protected = "" if totals.protected_cents is None else f" = {money_text(totals.protected_cents)}"
    lines.append(f"Verified billable: {clock_text(totals.verified_billable)}{amount}.")
    lines.append(
        f"Protected (payable whatever is disputed): {clock_text(totals.protected)}{protected}."
    )
    return "\n".join(lines) + "\n"
