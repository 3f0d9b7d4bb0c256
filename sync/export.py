"""Export a billing week's signed records, screenshots and public keys, with the marketplace's
receipts the device holds of those records, as one zip bundle (docs/protocol.md, "Bundles")."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from diary import bundle_writer
from diary.bundle import ContractName
from diary.bundle_writer import SignedRecord as BundleRecord
from diary.bundle_writer import (
    device_entry,
    device_stretch,
    receipt_line,
    record_line,
    week_label,
)
from diary.canonical import Json, parse_json
from diary.receipts import MarketplaceKey, signed_by
from diary.times import DAY, WEEK
from diary.verify import Scope
from tracker.errors import EnvironmentProblem, is_disk_full
from tracker.output_files import check_target
from tracker.records import Segment
from tracker.store import Store

from .errors import RecordsWaiting
from .ledger import Ledger, SignedRecord
from .outbox import Outbox


@dataclass
class ExportSummary:
    """What went into a bundle, and what the user should know about it."""

    path: Path
    #: What the bundle covers, in words: "Week 2026-W48 of contract 1".
    period: str = ""
    records: int = 0
    in_scope: int = 0
    screenshots: int = 0
    #: The marketplace's receipts of the bundle's records (0: the device holds none).
    receipts: int = 0
    devices: list[str] = field(default_factory=list)
    #: The period's closed segments (all signed, all in the bundle); 0: nothing was tracked.
    segments: int = 0
    #: The period's segments still open (being tracked): signed, and exported, once they close.
    open_segments: int = 0
    warnings: list[str] = field(default_factory=list)


def export_bundle(
    store: Store,
    ledger: Ledger,
    data_dir: Path,
    week_start: datetime,
    contract_id: int | None,
    out: Path,
    now: datetime,
    created_by: str,
    period_end: datetime | None = None,
    *,
    why_unsigned: str | None = None,
    outbox: Outbox | None = None,
) -> ExportSummary:
    """Write the bundle for one billing week (and one contract, or all) to ``out``.

    Every closed segment of the period, and every change to one, must be signed: a bundle
    without some of them would understate the hours or show what was since deleted, so then
    RecordsWaiting says what waits (with ``why_unsigned``: why the signing round before could
    not sign them) and nothing is written. ``period_end`` stretches the period past the week
    (the benchmark verifies a month). With the ``outbox`` of a device signed in to a
    marketplace, the bundle carries the receipts it holds of its records, and the marketplace's
    key; without one, or when it holds none, neither.
    """
    check_target(out, "bundle", "week.zip")
    end = period_end or week_start + WEEK
    # Records name a contract linked to a marketplace by the marketplace's id.
    reference = None if contract_id is None else store.contract(contract_id).reference
    scope = Scope(week_start, end, reference)
    summary = ExportSummary(out, period_name(scope))
    segments = store.segments_between(scope.start, scope.end, contract_id)
    closed = [s for s in segments if s.end is not None]
    _refuse_unsigned(ledger, scope, closed, why_unsigned)
    summary.segments, summary.open_segments = len(closed), len(segments) - len(closed)
    lines: list[str] = []
    key_lines: list[str] = []
    devices: list[Json] = []
    shots: dict[str, Path] = {}
    held = HeldReceipts.of(outbox)
    for device in ledger.devices():
        anchor = ledger.last_signed_before(device, scope.start)
        chain = ledger.chain(device, anchor.seq if anchor else 0)
        if not chain or chain[-1].signed_at < scope.start:
            continue  # nothing this device signed can belong to the week
        summary.devices.append(device)
        signed = [_bundle_record(r) for r in chain]
        devices.append(device_entry(signed))
        stretch = device_stretch(signed, scope)
        lines += stretch.lines
        summary.in_scope += stretch.in_scope
        for segment in stretch.counting:
            _collect_screenshots(store, segment.record["segment"], data_dir, shots, summary)
        key_records = ledger.key_records(device)
        key_lines += [record_line(_bundle_record(r)) for r in key_records]
        if held is not None:
            held.add(chain, [r.seq for r in key_records])
    names = _contract_names(store, contract_id, closed)
    manifest = bundle_writer.manifest(scope, devices, now, created_by, names)
    receipts, marketplace = (None, None) if held is None else held.members()
    _write_zip(out, manifest, key_lines, lines, shots, receipts, marketplace)
    summary.records, summary.screenshots = len(lines), len(shots)
    summary.receipts = len(receipts or [])
    summary.warnings += [] if held is None else held.warnings()
    return summary


def _contract_names(
    store: Store, contract_id: int | None, closed: list[Segment]
) -> dict[str, ContractName]:
    """The title and client of the bundle's contract, or of each contract of the period's
    segments, by the id records name it by; the manifest carries them unsigned."""
    ids = {contract_id} if contract_id is not None else {s.contract_id for s in closed}
    contracts = [store.contract(i) for i in sorted(ids)]
    return {c.reference: ContractName.of(c.title, c.client) for c in contracts}


def _bundle_record(signed: SignedRecord) -> BundleRecord:
    details = parse_json(signed.details) if signed.details else None
    return BundleRecord(parse_json(signed.record), signed.hash, signed.signature, details)


@dataclass
class HeldReceipts:
    """The receipts a device signed in to a marketplace holds of a bundle's records: those the
    key it pinned signed, as lines of receipts.jsonl; and how many others it holds of them,
    kept from a key replaced since, which would make the bundle fail to verify."""

    outbox: Outbox
    key: MarketplaceKey
    lines: list[str] = field(default_factory=list)
    left_out: int = 0

    @classmethod
    def of(cls, outbox: Outbox | None) -> HeldReceipts | None:
        """None when there is no outbox, or the device is not signed in to a marketplace."""
        link = None if outbox is None else outbox.link()
        return None if outbox is None or link is None else cls(outbox, link.key)

    def add(self, chain: list[SignedRecord], key_seqs: list[int]) -> None:
        """The receipts of a device's stretch of its chain, as the bundle holds it, and of its
        key records before it (``key_seqs``: the seqs of all its key records): the receipt of its
        genesis is its enrollment, which vouches for its key."""
        device, first, last = chain[0].device_id, chain[0].seq, chain[-1].seq
        held = self.outbox.receipts_at(device, [s for s in key_seqs if s < first])
        held += [r for r in self.outbox.receipts(device, first) if r.at[1] <= last]
        signed = [r for r in held if signed_by(r, self.key)]
        self.lines += [receipt_line(r.data, r.signature) for r in signed]
        self.left_out += len(held) - len(signed)

    def members(self) -> tuple[list[str] | None, Json | None]:
        """receipts.jsonl's lines and marketplace.json; neither when there are no receipts."""
        return (self.lines, self.key.to_json()) if self.lines else (None, None)

    def warnings(self) -> list[str]:
        if not self.left_out:
            return []
        return [
            f"{self.left_out} receipt(s) of the bundle's records were signed by a marketplace key "
            f"this device trusted before, not by the one it trusts now ({self.key.key_id[:16]}): "
            "they are left out, and those records show no receipt in the bundle."
        ]


def _collect_screenshots(
    store: Store, segment_id: str, data_dir: Path, shots: dict[str, Path], summary: ExportSummary
) -> None:
    for shot in store.screenshots([segment_id]).get(segment_id, []):
        if shot.sha256 is None or shot.path is None:
            continue
        path = data_dir / shot.path
        if path.is_file():
            shots[shot.sha256] = path
        else:
            summary.warnings.append(
                f"The screenshot {path} of the segment at {shot.taken_at:%Y-%m-%d %H:%M} UTC is "
                "missing from the data directory, so the bundle will not verify. Restore it "
                "from a backup, or delete that segment in the diary and export again."
            )


def _refuse_unsigned(ledger: Ledger, scope: Scope, closed: list[Segment], why: str | None) -> None:
    """RecordsWaiting if a closed segment of the period, or a change to one, is not signed."""
    ids = {s.id for s in closed}
    segments = sum(1 for s in ledger.unsigned_segments() if s.id in ids)
    changes = sum(1 for a in ledger.unsigned_amendments() if a.segment_id in ids)
    if not segments and not changes:
        return
    waiting = [f"{segments} of {len(closed)} segment(s)"] if segments else []
    waiting += [f"{changes} change(s) to signed segments"] if changes else []
    raise RecordsWaiting(
        f"{period_name(scope)}: {' and '.join(waiting)} are not signed yet, so a bundle would "
        "leave them out; none was written. "
        + (why or "They were recorded after the export's round of signing.")
    )


def period_name(scope: Scope) -> str:
    """Week 2026-W48 of contract 1; or the days, for a period that is not one week."""
    if scope.end == scope.start + WEEK:
        name = f"Week {week_label(scope.start)}"
    else:
        name = f"The days {scope.start:%Y-%m-%d} to {scope.end - DAY:%Y-%m-%d}"
    return name if scope.contract is None else f"{name} of contract {scope.contract}"


def _write_zip(
    out: Path,
    manifest: Json,
    key_lines: list[str],
    lines: list[str],
    shots: dict[str, Path],
    receipts: list[str] | None,
    marketplace: Json | None,
) -> None:
    """Write a new file of a name nobody can guess beside the target (created afresh, private,
    never through a link someone put there), then rename it: a failed export never leaves
    half a bundle, and never writes anywhere but ``out``."""
    partial: str | None = None
    try:
        handle, partial = tempfile.mkstemp(
            prefix=f".{out.name}.", suffix=".partial", dir=out.parent
        )
        openers = {sha256: _opener(path) for sha256, path in shots.items()}
        with os.fdopen(handle, "wb") as file:
            bundle_writer.write_bundle(
                file, manifest, key_lines, lines, openers, receipts, marketplace
            )
        os.replace(partial, out)
    except OSError as error:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
        if is_disk_full(error):
            raise EnvironmentProblem(
                f"The disk holding {out} is full: the bundle was not written.",
                code="bundle-disk-full",
            ) from error
        raise EnvironmentProblem(
            f"Cannot write the bundle {out}: {error.strerror or error}.", code="bundle-unwritable"
        ) from error


def _opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: path.open("rb")
