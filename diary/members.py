"""The names of a bundle's members (docs/protocol.md, "Bundles"): light enough for a reader of
a bundle's files that verifies nothing (the app's review window takes screenshots out)."""

from __future__ import annotations

MANIFEST, KEYS, RECORDS, SCREENSHOTS = (
    "manifest.json",
    "keys.jsonl",
    "records.jsonl",
    "screenshots/",
)
#: Members a marketplace adds: the receipts of the records, and its receipt key.
RECEIPTS, MARKETPLACE = "receipts.jsonl", "marketplace.json"


def screenshot_member(sha256: str) -> str:
    return f"{SCREENSHOTS}{sha256}.jpg"
