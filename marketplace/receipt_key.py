"""The marketplace's own Ed25519 key, which signs every receipt: made once, kept in the data
dir (readable by its owner only), published at /.well-known/workdiary-marketplace."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from diary.canonical import Json, canonical
from diary.entries import Entry
from diary.receipts import MarketplaceKey, Receipt, receipt_fields


class ReceiptKey:
    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public = MarketplaceKey.from_public(public)

    @classmethod
    def load_or_create(cls, path: Path) -> ReceiptKey:
        if path.exists():
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise ValueError(f"{path} does not hold an Ed25519 private key")
            return cls(private)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as file:
            file.write(pem)
        return cls(private)

    def sign(self, fields: Json) -> Receipt:
        data = canonical(fields, plain=True)  # ASCII names, strings, integers and null
        return Receipt(fields, data, self._private.sign(data))

    def receipt(self, entry: Entry, received_at: datetime) -> Receipt:
        return self.sign(receipt_fields(self.public.key_id, entry, received_at))
