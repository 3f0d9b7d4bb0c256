"""Payment protection on the marketplace's side: the protocol's one rule
(diary/protection.py) over the records the marketplace holds, so that it reaches the verdict a
client's review reaches from the week's bundle."""

from __future__ import annotations

from diary.protection import Unprotected, segment_facts, unprotected
from diary.records import RecordType, SegmentState

from .blobs import BlobStore
from .ingest import stored_entry
from .models import Segment
from .storage.base import Transaction


def segment_unprotected(
    tx: Transaction, blobs: BlobStore, segment: Segment, over_limit: bool
) -> tuple[Unprotected, ...]:
    """Why ``segment`` is not protected (none: it is). What the marketplace accepted verified
    at upload; a screenshot it names but does not hold fails in the bundle, so here too."""
    held = tx.segment_records(segment.id)
    record = next(h for h in held if h.type == RecordType.SEGMENT)
    entry = stored_entry(record)
    changes = [stored_entry(h) for h in held if h.type == RecordType.AMENDMENT]
    named = [
        s["sha256"] for s in (entry.details or {}).get("screenshots", []) if s["sha256"] is not None
    ]
    counts = segment.state not in (SegmentState.DELETED.value, SegmentState.IDLE_DISCARDED.value)
    facts = segment_facts(
        entry,
        changes,
        verified=not counts or all(blobs.has(sha256) for sha256 in named),
        received_at=record.received_at,
        over_limit=over_limit,
    )
    return unprotected(facts)
