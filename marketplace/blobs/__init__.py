"""Where screenshot files are kept: one interface (``BlobStore``), content-addressed by
SHA-256, one implementation per kind of store, chosen at start-up (``open_blobs``): files in the
data dir (``filesystem.py``), or an S3-compatible bucket (``s3.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Protocol

from ..errors import BlobStoreUnusable
from .address import S3Address
from .filesystem import FilesystemBlobs


class BlobStore(Protocol):
    def has(self, sha256: str) -> bool: ...

    def put(self, sha256: str, data: bytes) -> bool:
        """Keep ``data`` under its hash, which the caller checked; whoever reads it sees the
        whole file or none. False if it was kept already."""
        ...

    def open(self, sha256: str) -> IO[bytes]: ...

    def delete(self, sha256: str) -> None: ...


def open_blobs(address: S3Address | None, folder: Path) -> BlobStore:
    """The bucket at ``address``, checked once (BlobStoreUnusable says what is wrong), or the
    files in ``folder`` when there is none (OSError when it cannot be made)."""
    if address is None:
        return FilesystemBlobs(folder)
    try:
        # boto3 (some 30 MB) only for a server whose screenshots are in a bucket.
        from .s3 import S3BlobStore
    except ImportError as error:
        raise BlobStoreUnusable(
            f"Screenshots in a bucket need boto3, which this installation lacks ({error})."
        ) from error
    return S3BlobStore.connect(address)
