"""What every endpoint works with: the storage, the blob store, the receipt key and the clock,
built once at start-up (``open_marketplace``) and handed to the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import authenticate
from .blobs import BlobStore, open_blobs
from .blobs.address import S3Address
from .clock import Clock
from .errors import DataDirUnusable
from .models import Account
from .receipt_key import ReceiptKey
from .storage import Storage, Transaction, open_storage
from .storage.address import DatabaseAddress


@dataclass
class Marketplace:
    storage: Storage
    blobs: BlobStore
    key: ReceiptKey
    clock: Clock
    name: str = "Workdiary reference marketplace"

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.storage.transaction() as tx:
            yield tx

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A transaction that only reads, and waits for no lock (``Storage.reading``)."""
        with self.storage.reading() as tx:
            yield tx

    def close(self) -> None:
        self.storage.close()


def open_marketplace(
    data_dir: Path,
    clock: Clock,
    *,
    blobs_address: S3Address | None = None,
    database: DatabaseAddress | None = None,
    share: int = 1,
) -> Marketplace:
    """The marketplace whose data is in ``data_dir`` (made if need be, private to its owner):
    marketplace.sqlite3, screenshots/ (or the bucket at ``blobs_address``) and
    receipt-key.pem; DataDirUnusable (BlobStoreUnusable for a bucket) says what is wrong.
    The records, accounts and money are in the PostgreSQL ``database`` when there is one
    (DatabaseUnusable), else in marketplace.sqlite3."""
    if data_dir.exists() and not data_dir.is_dir():
        raise DataDirUnusable(f"{data_dir} is a file, not a folder for the marketplace's data.")
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = ReceiptKey.load_or_create(data_dir / "receipt-key.pem")
    except OSError as error:
        raise DataDirUnusable(
            f"The marketplace's data dir {data_dir} cannot be used: {error.strerror or error}."
        ) from error
    except ValueError as error:
        raise DataDirUnusable(
            f"The receipt key {data_dir / 'receipt-key.pem'} is damaged ({error}); restore it "
            "from a backup (a new key would make every receipt so far unverifiable against it)."
        ) from error
    storage = open_storage(database, data_dir / "marketplace.sqlite3", share)
    try:
        blobs = open_blobs(blobs_address, data_dir / "screenshots")
    except OSError as error:
        storage.close()
        raise DataDirUnusable(
            f"The screenshots folder in {data_dir} cannot be made: {error.strerror or error}."
        ) from error
    except BaseException:
        storage.close()
        raise
    return Marketplace(storage=storage, blobs=blobs, key=key, clock=clock)


def marketplace(request: Request) -> Marketplace:
    market: Marketplace = request.app.state.marketplace
    return market


_bearer = HTTPBearer(auto_error=False, description="The token from POST /v1/sessions.")


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    return None if credentials is None else credentials.credentials


#: What endpoints take: the marketplace, and the bearer token the request carries (or None).
Market = Annotated[Marketplace, Depends(marketplace)]
Token = Annotated[str | None, Depends(bearer_token)]


def signed_in(tx: Transaction, token: str | None, now: datetime) -> Account:
    return authenticate(tx, token, now)[0]
