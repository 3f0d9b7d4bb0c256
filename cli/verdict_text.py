"""What verify says: a verdict as readable text, or as JSON for programs."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from diary.bundle import BundleVerdict
from diary.canonical import Json
from diary.times import parse_timestamp
from tracker.durations import clock_text

from .terminal import safe


def verdict_json(verdict: BundleVerdict) -> Json:
    return {
        "ok": verdict.ok,
        "bundle": str(verdict.path),
        "week": verdict.manifest.get("week"),
        "period": verdict.manifest.get("period"),
        "contract": verdict.manifest.get("contract"),
        # The title and client of each contract, as the manifest gives them: not signed.
        "contract_names": {c: n.to_json() for c, n in sorted(verdict.contract_names.items())},
        "records": verdict.records,
        "screenshots": verdict.screenshots,
        "devices": verdict.devices,
        "hours": [
            {
                "contract": contract,
                "day": day,
                "seconds": seconds,
                "hours": round(seconds / 3600, 4),
            }
            for (contract, day), seconds in sorted(verdict.seconds.items())
        ],
        "unverified_segments": verdict.unverified_segments,
        # The marketplace whose receipts the bundle carries (null: none), and how many records
        # carry a receipt that verified.
        "marketplace": verdict.marketplace,
        "receipts": None if verdict.marketplace is None else verdict.receipted,
        "last_received": verdict.last_received,
        "receipt_lags": verdict.lags,
        "failures": [f.to_json() for f in verdict.failures],
        "more_failures": verdict.more_failures,
    }


def verdict_text(verdict: BundleVerdict) -> str:
    """The verdict first, then what the bundle covers, its hours, and every failure."""
    manifest = verdict.manifest
    period = manifest["period"]
    scope = f"contract {manifest['contract']}" if manifest["contract"] else "all contracts"
    last_day = (parse_timestamp(period["end"]) - timedelta(seconds=1)).strftime("%Y-%m-%d")
    name = f"week {manifest['week']}" if manifest.get("week") else "period"
    records, shots = _count(verdict.records, "record"), _count(verdict.screenshots, "screenshot")
    if verdict.ok:
        lines = [f"Everything verifies: {records}, {shots}."]
    else:
        total = len(verdict.failures) + verdict.more_failures
        lines = [f"NOT VERIFIED: {_count(total, 'problem')} (listed below)."]
    lines.append(
        f"Bundle {verdict.path}: {name} ({period['start'][:10]} to {last_day} UTC), {scope}."
    )
    lines += _names_lines(verdict)
    for device in verdict.devices:
        keys = ", ".join(k[:12] for k in device["keys"])
        lines.append(
            f"Device {device['device'][:12]}: records seq {device['first_seq']} to "
            f"{device['last_seq']}, signed by key {keys}."
        )
        lines += [f"  {_key_line(key)}" for key in device["key_chain"]]
    if any(k["vouched_by"] for d in verdict.devices for k in d["key_chain"]):
        lines.append(
            "A marketplace vouches for a key by its receipt of the record that introduced it: it "
            "accepted the key when the device enrolled, or changed keys. That ties the key to "
            "the device the marketplace enrolled, not to who typed."
        )
    if verdict.marketplace is not None:
        lines.append(_receipts_line(verdict))
    lines += _hours_table(verdict)
    if not verdict.ok:
        lines.append("Problems:")
        ordered = sorted(verdict.failures, key=lambda f: (f.device or "", f.seq or -1, f.code))
        lines += [f"  {f.where()} [{f.code}]: {f.reason}" for f in ordered]
        if verdict.more_failures:
            lines.append(f"  ... and {_count(verdict.more_failures, 'more problem')}, not listed.")
        if verdict.unverified_segments:
            lines.append(
                f"{_count(verdict.unverified_segments, 'segment')} with problems "
                f"{'is' if verdict.unverified_segments == 1 else 'are'} left out of the hours."
            )
    # Failures quote what the bundle holds, which is anybody's: nothing in it may act on the
    # terminal (clear it, say, and print "Everything verifies" over the verdict).
    return "\n".join(safe(line) for line in lines) + "\n"


def _names_lines(verdict: BundleVerdict) -> list[str]:
    """The contracts' titles and clients, said to be the manifest's word (no record signs
    them)."""
    names = [
        f'{contract} "{n.title}"' + (f" for {n.client}" if n.client else "")
        for contract, n in sorted(verdict.contract_names.items())
    ]
    if len(names) == 1:
        return [f"Contract {names[0]} (as the bundle's manifest states; not signed)."]
    if names:
        return [f"Contracts, as the bundle's manifest states (not signed): {'; '.join(names)}."]
    return []


def _key_line(key: Json) -> str:
    """Whether a marketplace vouched for a device's key, or it is self-issued."""
    when = "enrolled" if key["seq"] == 0 else "changed keys"
    start = f"Key {key['key'][:12]} (its key record is seq {key['seq']}): "
    if key["vouched_by"] is None:
        return start + (
            "self-issued: the bundle carries no marketplace's receipt of its key record."
        )
    return start + (
        f"vouched for by marketplace {key['vouched_by'][:16]}, which received it when the "
        f"device {when}, at {key['received_at']}."
    )


def _receipts_line(verdict: BundleVerdict) -> str:
    """How many records a marketplace's receipt shows it received, and when the last."""
    assert verdict.marketplace is not None
    last = f", the last at {verdict.last_received}" if verdict.last_received else ""
    line = (
        f"Receipts: {verdict.receipted} of {_count(verdict.records, 'record')} received by "
        f"marketplace {verdict.marketplace[:16]}{last}."
    )
    lags = sorted(lag["lag_seconds"] for lag in verdict.lags)
    if lags and _after(lags[0]) == _after(lags[-1]):
        line += f" Segments reached it {_after(lags[0])} after they ended."
    elif lags:
        line += (
            f" Segments reached it {_after(lags[0])} to {_after(lags[-1])} after they ended "
            f"(median {_after(lags[len(lags) // 2])})."
        )
    return line


def _after(seconds: int) -> str:
    """A delay in words: 45 s, 12 min, 3 h 05 min, 2 days 4 h."""
    if seconds < 60:
        return f"{max(0, seconds)} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} days {seconds % 86400 // 3600} h"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _hours_table(verdict: BundleVerdict) -> list[str]:
    if not verdict.seconds:
        return ["No verified hours in this bundle."]
    title = "Verified hours (UTC days):"
    if not verdict.ok:
        title = "Hours of the segments that verified (the bundle as a whole does not; UTC days):"
    # A marketplace's contract ids are long (m- and 32 hex digits): the column fits the longest.
    width = max(10, *(len(contract) for contract, _ in verdict.seconds))
    lines = [title, f"  {'Contract':<{width}} {'Day':<12} {'H:MM:SS':>9}"]
    totals: dict[str, int] = defaultdict(int)
    for (contract, day), seconds in sorted(verdict.seconds.items()):
        totals[contract] += seconds
        lines.append(f"  {contract:<{width}} {day:<12} {clock_text(seconds):>9}")
    for contract, seconds in sorted(totals.items()):
        lines.append(f"  {contract:<{width}} {'total':<12} {clock_text(seconds):>9}")
    return lines
