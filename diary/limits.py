"""How much of a bundle a verifier reads at most (docs/protocol.md, "Limits"): a bundle is
untrusted input, so time and memory stay bounded whatever it holds."""

from __future__ import annotations

from dataclasses import dataclass

KIB, MIB = 1 << 10, 1 << 20


@dataclass(frozen=True)
class Limits:
    #: manifest.json and keys.jsonl, each, uncompressed.
    small_member: int = 1 * MIB
    #: records.jsonl, uncompressed: a month of a busy device's records is about 12 MiB.
    records_member: int = 64 * MIB
    #: One line of records.jsonl or keys.jsonl (a segment with its details is under 8 KiB).
    line: int = 64 * KIB
    #: Records in records.jsonl: 35 days hold 5,040 ten-minute slots a device.
    records: int = 50_000
    #: Devices a manifest lists.
    devices: int = 64
    #: One screenshot file (a JPEG of at most 1280 pixels a side is well under 2 MiB).
    screenshot: int = 16 * MIB
    #: The screenshot files that records name may inflate, all together, by at most one
    #: part in this many of the zip's size, plus one screenshot (JPEGs hardly compress).
    inflation_slack: int = 10
    #: Entries in the zip's directory, and the directory's size.
    members: int = 100_000
    directory: int = 16 * MIB
    #: Failures a verdict lists; the rest are counted.
    failures: int = 1_000


LIMITS = Limits()
