"""Verifying a batch of records that extends a chain whose head is known: what the marketplace
does with each upload (docs/protocol.md, "Verifying records without a bundle")."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .canonical import key_id
from .chain import ChainHead, PublicKey, check_links, check_signature
from .checks import (
    check_amendment_fits,
    check_details,
    check_overlaps,
    check_record,
)
from .entries import Entry
from .failures import Failure
from .records import RecordType
from .rules import Counted
from .verify import count_entries


@dataclass
class KeyTable:
    """The keys a bundle lists: those that can be used, and why the others cannot."""

    usable: dict[str, PublicKey]
    unusable: dict[str, str]
    failures: list[Failure]


def key_table(keys: Sequence[PublicKey]) -> KeyTable:
    """A key whose id is not the SHA-256 of its public key, or an id listed twice, is not used:
    records signed with it fail `unknown-key`, and so does its listing (at no record)."""
    counts: dict[str, int] = defaultdict(int)
    for key in keys:
        counts[key.key_id] += 1
    table = KeyTable({}, {}, [])
    for key in keys:
        kid = key.key_id
        if counts[kid] > 1:
            reason = "keys.json lists it more than once"
        elif key_id(key.public_key) != kid:
            reason = (
                f"keys.json lists it with a public key whose SHA-256 is "
                f"{key_id(key.public_key)[:12]}, and a key's id is the SHA-256 of its public key"
            )
        else:
            table.usable[kid] = key
            continue
        if kid not in table.unusable:
            table.unusable[kid] = reason
            table.failures.append(Failure("unknown-key", f"Key {kid[:12]} is not used: {reason}."))
    return table


@dataclass
class Extension:
    """How far a batch extends a device's chain: the records accepted (in order, up to the
    first that does not verify), why the rest were not, and the head after them."""

    accepted: list[Entry]
    failures: list[Failure]
    head: ChainHead | None
    #: What each segment accepted in this batch counts for, with the batch's amendments.
    counted: dict[str, Counted]

    @property
    def complete(self) -> bool:
        return not self.failures


def verify_extension(
    anchor: ChainHead | None,
    entries: Sequence[Entry],
    keys: Sequence[PublicKey],
    known_segments: Mapping[str, Entry] | None = None,
    needs_details: Callable[[Entry], bool] | None = None,
) -> Extension:
    """Does this batch extend the chain whose head is ``anchor`` (None: the batch starts at
    the device's genesis), and what do its records count for?

    Every record must verify on its own and in the chain, carry its details, and fit the
    segment it amends (in the batch or in ``known_segments``, those accepted earlier). Records
    before the first that fails are accepted; the rest are not. Checks that need more than the
    chain (overlap with other devices' segments, the weekly limit, the contract, the clock) are
    the caller's. ``needs_details`` says which records must carry details (by default every
    segment and amendment; a marketplace takes a device's own contracts' records without them).

    The keys the batch's own key records introduce (a genesis, a rotation) may sign the records
    after them: the chain rule decides which key is current at each record.
    """
    table = key_table([*keys, *_introduced(entries, keys)])
    known, failures = table.usable, list(table.failures)
    for entry in entries:
        failures += check_signature(entry, known, table.unusable)
    chain = list(entries)
    device = anchor.device if anchor is not None else chain[0].device if chain else None
    failures += [
        e.failure("device", f"A batch extends one device's chain, of device {str(device)[:12]}.")
        for e in chain
        if e.device != device
    ]
    failures += _order(chain)
    failures += check_links(chain, anchor, known)
    segments = dict(known_segments or {})
    batch_segments: list[Entry] = []
    for entry in chain:
        failures += check_record(entry)
        if entry.type == RecordType.KEY:
            continue
        if entry.details is None and (needs_details is None or needs_details(entry)):
            failures.append(
                entry.failure("details-missing", "An uploaded record carries its details.")
            )
        failures += check_details(entry)
        if entry.type == RecordType.SEGMENT:
            if entry.record["segment"] in segments:
                failures.append(
                    entry.failure("duplicate", "Another record already holds this segment.")
                )
            segments.setdefault(entry.record["segment"], entry)
            batch_segments.append(entry)
        else:
            target = segments.get(entry.record["segment"])
            if target is None:
                failures.append(
                    entry.failure("amendment", "The segment it amends has not been received.")
                )
            else:
                failures += check_amendment_fits(entry, target)
    failures += check_overlaps(batch_segments)
    bad = {f.at for f in failures}
    bad_index = next((i for i, e in enumerate(chain) if e.at in bad), None)
    if bad_index is None and failures:
        bad_index = 0  # a failure of the batch as a whole (a key listed twice, say)
    accepted = chain if bad_index is None else chain[:bad_index]
    stopped = (
        [] if bad_index is None else [f for f in failures if f.at in (None, chain[bad_index].at)]
    )
    changes: dict[str, list[Entry]] = defaultdict(list)
    for entry in accepted:
        if entry.type == RecordType.AMENDMENT:
            changes[entry.record["segment"]].append(entry)
    counted = {
        entry.record["segment"]: count_entries(entry, changes[entry.record["segment"]])
        for entry in accepted
        if entry.type == RecordType.SEGMENT
    }
    return Extension(accepted, stopped, ChainHead.after(accepted, anchor), counted)


def _introduced(entries: Sequence[Entry], keys: Sequence[PublicKey]) -> list[PublicKey]:
    """The keys the batch's key records introduce that are not among ``keys`` already."""
    known = {k.key_id for k in keys}
    found: dict[str, PublicKey] = {}
    for entry in entries:
        if entry.type == RecordType.KEY:
            public = bytes.fromhex(entry.record["public_key"])
            kid = key_id(public)
            if kid not in known:
                found.setdefault(kid, PublicKey(kid, entry.device, public))
    return list(found.values())


def _order(chain: list[Entry]) -> list[Failure]:
    for before, after in itertools.pairwise(chain):
        if after.seq <= before.seq:
            return [after.failure("order", "The batch's records are not in chain order.")]
    return []
