"""A reviewed week as one self-contained HTML file (styles and screenshots inline, no scripts)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from diary.bundle import open_bundle
from diary.errors import BadBundle
from diary.limits import LIMITS, MIB, Limits
from diary.members import screenshot_member
from diary.records import SegmentKind
from diary.times import DAY, MINUTE, SEGMENT, parse_timestamp, slot_start

from .week import Review, ReviewSegment, Totals

#: Bundles carry the screenshots themselves (JPEGs of up to 1280 pixels a side, often 100-400
#: KiB), not thumbnails, and the standard library cannot scale an image down: each one is
#: embedded as stored and kept small by the style. A file larger than this is not embedded...
EMBED_LIMIT = 1 * MIB
#: ...nor any file once the report holds this much of them (a busy week has 250 screenshots).
EMBED_BUDGET = 64 * MIB

#: Nothing loads from anywhere: no script, no request, only the styles and images inline.
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_STYLE = """
body { font: 13px/1.35 system-ui, sans-serif; color: #222; margin: 1.5em; }
h1 { font-size: 1.5em; margin: 0 0 .3em; } h2 { font-size: 1.2em; margin: 1.5em 0 .4em; }
.verdict { font-weight: bold; padding: .4em .6em; border-radius: 4px; display: inline-block; }
.ok { background: #e3f4e1; color: #185c16; } .bad { background: #fbe1e1; color: #8c1313; }
table.totals { border-collapse: collapse; margin: .6em 0; }
table.totals th, table.totals td { text-align: left; padding: .15em 1.2em .15em 0; }
table.totals td { font-variant-numeric: tabular-nums; }
table.grid { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.grid th, table.grid td { border: 1px solid #ccc; vertical-align: top; padding: 3px; }
table.grid th { background: #f3f3f3; font-weight: normal; }
table.grid th.hour { width: 3.5em; }
.segment { font-size: 11px; margin-bottom: 4px; overflow-wrap: anywhere; break-inside: avoid; }
.segment + .segment { border-top: 1px dashed #bbb; padding-top: 4px; }
.segment p, .segment ul { margin: 2px 0; } .segment ul { padding-left: 1.2em; }
.segment figure { margin: 0; }
.segment img { display: block; width: 100%; max-height: 90px; object-fit: contain; }
.memo { font-style: italic; } .note, .why { color: #555; }
.verified { color: #185c16; } .failed { color: #8c1313; font-weight: bold; }
.segment.is-failed { border-left: 3px solid #8c1313; padding-left: 3px; }
.bars { display: flex; gap: 1px; height: 10px; margin: 3px 0; }
.bars i { flex: 1; }
.bars i, .legend i { background: #eee; }
.bars i.active, .legend i.active { background: #2e7d32; }
.bars i.quiet, .legend i.quiet { background: #c5d3c6; }
.bars i.manual, .legend i.manual { background: #7b8fc9; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 8px; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print { body { margin: 0; } section.day { break-before: page; } }
"""


@dataclass(frozen=True)
class _Picture:
    """A screenshot's file as a ``data:`` URI, or why it is not shown."""

    uri: str | None
    note: str = ""


def week_html(
    review: Review,
    bundle: Path,
    *,
    title: str | None = None,
    client: str | None = None,
    limits: Limits = LIMITS,
    embed_limit: int = EMBED_LIMIT,
    embed_budget: int = EMBED_BUDGET,
) -> str:
    """The review of ``bundle`` as an HTML page: the scope, the verdict, the totals, then each
    UTC day by hour with every segment and its screenshots. ``title`` and ``client`` name the
    contract (the marketplace's word); without them, the bundle's manifest may name it (its
    maker's word: nothing signs it)."""
    contract = review.verdict.manifest.get("contract")
    named = review.verdict.contract_names.get(contract) if isinstance(contract, str) else None
    if title is None and client is None and named is not None:
        title, client = named.title, f"{named.client} (as the bundle states; not signed)"
    pictures = _pictures(review.segments, bundle, limits, embed_limit, embed_budget)
    days: dict[str, list[ReviewSegment]] = {}
    for segment in review.segments:
        days.setdefault(f"{segment.start:%Y-%m-%d}", []).append(segment)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        f"<title>{escape(_scope(review, title, client))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        _header(review, title, client),
        *(_day(segments, pictures) for segments in days.values()),
        "" if review.segments else "<p>No segment of this bundle's scope.</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _scope(review: Review, title: str | None, client: str | None) -> str:
    """Week 2026-W48 (2026-11-23 to 2026-11-29 UTC), contract m-..., Website, client Acme."""
    manifest = review.verdict.manifest
    start = parse_timestamp(manifest["period"]["start"])
    last = parse_timestamp(manifest["period"]["end"]) - DAY
    week = manifest.get("week")
    name = f"Week {week}" if week else "The days"
    contract = manifest.get("contract")
    about = [f"contract {contract}" if contract is not None else "all contracts"]
    about += [t for t in (title, None if client is None else f"client {client}") if t]
    return f"{name} ({start:%Y-%m-%d} to {last:%Y-%m-%d} UTC), {', '.join(about)}"


def _header(review: Review, title: str | None, client: str | None) -> str:
    verdict = review.verdict
    count = len(verdict.failures) + verdict.more_failures
    if review.ok:
        said = f"The week verifies whole: {len(review.segments)} segment(s)."
    else:
        said = (
            f"The week does NOT verify whole: {count} failure(s). The segments they touch "
            "do not count."
        )
    created = (
        f"{verdict.manifest.get('created_at', '')} by {verdict.manifest.get('created_by', '')}"
    )
    receipts = (
        f"Receipts of the marketplace whose key is {verdict.marketplace}."
        if verdict.marketplace
        else "No marketplace receipts: when the segments were received is not known."
    )
    failures = "".join(
        f"<li>{escape(f.code)} ({escape(f.where())}): {escape(f.reason)}</li>"
        for f in verdict.failures
    )
    more = f"<li>and {verdict.more_failures} more</li>" if verdict.more_failures else ""
    return (
        f"<header><h1>Work diary: {escape(_scope(review, title, client))}</h1>"
        f'<p class="verdict {"ok" if review.ok else "bad"}">{escape(said)}</p>'
        f"<p>Bundle made {escape(created)}. {escape(receipts)}</p>"
        + (f'<ul class="failures">{failures}{more}</ul>' if failures or more else "")
        + _totals(review.totals)
        + _legend()
        + "</header>"
    )


def _totals(totals: Totals) -> str:
    rows = [
        ("tracked", "Tracked", totals.tracked, None),
        ("manual", "Manual", totals.manual, None),
        ("deleted", "Deleted", totals.deleted, None),
        ("idle-discarded", "Idle discarded", totals.idle_discarded, None),
        ("over-limit", "Over the weekly limit", totals.over_limit, None),
        ("verified-billable", "Verified billable", totals.verified_billable, totals.amount_cents),
        (
            "protected",
            "Protected (payable whatever is disputed)",
            totals.protected,
            totals.protected_cents,
        ),
    ]
    body = "".join(
        f'<tr id="total-{key}"><th>{label}</th><td class="time">{_clock(seconds)}</td>'
        f'<td class="amount">{"" if cents is None else _money(cents)}</td></tr>'
        for key, label, seconds, cents in rows
    )
    rate = (
        "No rate given: no amounts."
        if totals.rate_cents is None
        else f"Amounts at {_money(totals.rate_cents)} an hour, rounded half up to whole cents "
        "once for the week."
    )
    return f'<table class="totals">{body}</table><p class="rate">{rate}</p>'


def _legend() -> str:
    keys = (("active", "input"), ("quiet", "no input"), ("manual", "manual"), ("", "not tracked"))
    marks = "".join(f'<i class="{c}"></i>{w}' for c, w in keys)
    return f'<p class="legend">Each cell is 10 minutes (UTC); its bars one a minute:{marks}.</p>'


def _day(segments: list[ReviewSegment], pictures: dict[str, _Picture]) -> str:
    first = segments[0].start
    by_slot: dict[datetime, list[ReviewSegment]] = {}
    for segment in segments:
        by_slot.setdefault(slot_start(segment.start), []).append(segment)
    hours = sorted({slot.replace(minute=0) for slot in by_slot})
    head = "".join(f"<th>:{m:02d}</th>" for m in range(0, 60, 10))
    rows = []
    for hour in hours:
        cells = "".join(
            "<td>"
            + "".join(_segment(s, pictures) for s in by_slot.get(hour + i * SEGMENT, []))
            + "</td>"
            for i in range(6)
        )
        rows.append(f'<tr><th class="hour">{hour:%H:%M}</th>{cells}</tr>')
    billable = sum(s.billable_seconds for s in segments if s.verified)
    return (
        f'<section class="day"><h2>{first:%A %Y-%m-%d} (UTC): {_clock(billable)} verified '
        f'billable</h2><table class="grid"><tr><th class="hour"></th>{head}</tr>'
        + "".join(rows)
        + "</table></section>"
    )


def _segment(s: ReviewSegment, pictures: dict[str, _Picture]) -> str:
    parts = [
        f'<p class="time"><b>{s.start:%H:%M:%S}–{s.end:%H:%M:%S}</b> {escape(s.state.value)}, '
        f"{_clock(s.billable_seconds)} billable</p>",
        *(
            _screenshot(shot.sha256 or "", shot.taken_at, shot.blurred, pictures)
            for shot in s.screenshots
        ),
        _bars(s),
        f"<p>{s.active_minutes}/{len(s.minutes)} min active</p>",
        f'<p class="memo"><bdi>{escape(s.memo)}</bdi></p>'
        if s.memo.strip()
        else '<p class="note">No memo.</p>',
    ]
    if s.verified:
        parts.append('<p class="verified">Verified</p>')
    else:
        reasons = "".join(f"<li>{escape(r)}</li>" for r in s.failures)
        parts.append(f'<p class="failed">FAILED</p><ul class="reasons">{reasons}</ul>')
    parts.append(f'<p class="protection">{escape(s.protection_text)}</p>')
    if s.flags:
        flags = "".join(
            f"<li><b>{escape(f.kind.value)}</b>: {escape(f.text())}</li>" for f in s.flags
        )
        parts.append(f'<ul class="flags">{flags}</ul>')
    parts.append(f'<p class="received">{escape(_received(s))}</p>')
    state = "is-verified" if s.verified else "is-failed"
    return (
        f'<div class="segment {state}" id="segment-{escape(s.id)}" '
        f'data-segment="{escape(s.id)}">' + "".join(parts) + "</div>"
    )


def _screenshot(sha256: str, taken: datetime, blurred: bool, pictures: dict[str, _Picture]) -> str:
    caption = f"Screenshot {taken:%H:%M:%S}" + (" (blurred)" if blurred else "")
    picture = pictures[sha256]
    if picture.uri is None:
        return f'<p class="note">{escape(caption)}: {escape(picture.note)}</p>'
    return (
        f'<figure class="shot"><img src="{picture.uri}" '
        f'alt="{escape(caption)}" data-sha256="{escape(sha256)}"></figure>'
    )


def _bars(s: ReviewSegment) -> str:
    """A bar for each minute of the segment's slot: input, no input, manual, or not tracked."""
    by_start = {m.start: m for m in s.minutes}
    slot = slot_start(s.start)
    bars = []
    for i in range(10):
        minute = slot + i * MINUTE
        if not (s.start < minute + MINUTE and minute < s.end):
            kind, title = "", "not tracked"
        elif s.kind is SegmentKind.MANUAL:
            kind, title = "manual", "manual time"
        else:
            found = by_start.get(minute)
            kind = "active" if found is not None and found.active else "quiet"
            title = (
                "no minute recorded"
                if found is None
                else f"keys {found.keys}, clicks {found.clicks}, scrolls {found.scrolls}, "
                f"moves {found.moves}" + (f", injected {found.injected}" if found.injected else "")
            )
        bars.append(f'<i class="{kind}" title="{minute:%H:%M} {escape(title)}"></i>')
    return '<div class="bars">' + "".join(bars) + "</div>"


def _received(s: ReviewSegment) -> str:
    if s.received_at is None or s.lag_seconds is None:
        return "No receipt in the bundle: when a marketplace received it is not known."
    return f"Received {s.received_at:%Y-%m-%d %H:%M:%S} UTC, {_lag(s.lag_seconds)} after it ended."


def _pictures(
    segments: Iterable[ReviewSegment], bundle: Path, limits: Limits, limit: int, budget: int
) -> dict[str, _Picture]:
    """Each screenshot file the segments show, read from the bundle once and embedded if its
    bytes are the ones its record names and the report has room for it."""
    wanted = dict.fromkeys(shot.sha256 or "" for s in segments for shot in s.screenshots)
    found: dict[str, _Picture] = {}
    with open_bundle(bundle, limits) as opened:
        for sha256 in wanted:
            name = screenshot_member(sha256)
            if name not in opened.archive:
                found[sha256] = _Picture(None, "its file is not in the bundle.")
                continue
            try:
                data = opened.archive.read(name, limits.screenshot)
            except BadBundle:
                found[sha256] = _Picture(None, "its file cannot be read from the bundle.")
                continue
            if hashlib.sha256(data).hexdigest() != sha256:
                found[sha256] = _Picture(None, "not shown: its file is not the one recorded.")
            elif len(data) > limit:
                found[sha256] = _Picture(
                    None,
                    f"not embedded, too large ({len(data) / MIB:.1f} MiB, more than the "
                    f"{limit / MIB:.1f} MiB a screenshot may take here); the bundle holds it.",
                )
            elif len(data) > budget:
                found[sha256] = _Picture(
                    None,
                    "not embedded: the report holds as many screenshots as it has room for; "
                    "the bundle holds it.",
                )
            else:
                budget -= len(data)
                encoded = base64.b64encode(data).decode("ascii")
                found[sha256] = _Picture(f"data:image/jpeg;base64,{encoded}")
    return found


def _clock(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _lag(seconds: int) -> str:
    """42 s; 40 min; 9 h 05 min; 3 d 2 h."""
    if seconds < 60:
        return f"{max(0, seconds)} s"
    hours, minutes = divmod(seconds // 60, 60)
    if hours >= 48:
        return f"{hours // 24} d {hours % 24} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
