"""Where screenshot files are kept: one interface (``BlobStore``), content-addressed by
SHA-256, one implementation per kind of store, chosen at start-up."""

from __future__ import annotations

from typing import IO, Protocol


class BlobStore(Protocol):
    def has(self, sha256: str) -> bool: ...

    def put(self, sha256: str, data: bytes) -> bool:
        """Keep ``data`` under its hash, which the caller checked; whoever reads it sees the
        whole file or none. False if it was kept already."""
        ...

    def open(self, sha256: str) -> IO[bytes]: ...

    def delete(self, sha256: str) -> None: ...
