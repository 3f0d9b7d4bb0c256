"""Deleting the screenshot files no segment needs any more, and trying again the deletions that
failed: a freelancer who deleted a screenshot is owed its deletion from the blob store too."""

from __future__ import annotations

import logging

from .errors import BlobStoreUnusable
from .service import Marketplace

log = logging.getLogger(__name__)

#: Deletions that failed before, tried again after each deletion that worked, oldest first, at
#: most this many at a time (each is a transaction and a call to the store).
RETRIES_AT_ONCE = 20


def delete_unused(market: Marketplace, candidates: set[str]) -> None:
    """Delete the files no segment that counts names any more, once the deletions that freed
    them are committed (a file is never gone while a record that still needs it is not); then,
    if the store answered, the deletions that failed before. A store that fails is logged, file
    by file, and the file kept for a later try: the batch that freed them is still answered, its
    records kept."""
    answered = all([_delete_if_unused(market, sha256) for sha256 in sorted(candidates)])
    if answered:
        retry_failed(market)


def retry_failed(market: Marketplace) -> None:
    """Try again the deletions that failed (the store out of reach then), oldest first; stop
    at the first that fails again. Run after each deletion that worked, and at start-up."""
    with market.reading() as tx:
        waiting = tx.unused_screenshots(RETRIES_AT_ONCE)
    for sha256 in waiting:
        if not _delete_if_unused(market, sha256):
            return


def _delete_if_unused(market: Marketplace, sha256: str) -> bool:
    """Delete the file if no segment that counts names it; False when the store failed (the
    file is then noted, for ``retry_failed``)."""
    with market.transaction() as tx:
        tx.lock_screenshots(sha256)  # no batch names it meanwhile
        if not tx.names_screenshot(None, sha256):
            try:
                market.blobs.delete(sha256)
            except BlobStoreUnusable as error:
                log.error(
                    "Screenshot %s no record needs was not deleted (tried again after the next "
                    "deletion that works, and at start-up): %s",
                    sha256,
                    error,
                )
                tx.add_unused_screenshot(sha256, market.now())
                return False
        # Deleted, or named again since (a segment uploaded later): nothing left to do.
        tx.remove_unused_screenshot(sha256)
    return True
