"""The marketplace's bearer token, kept only in the system keyring like the device key (never
in a file): one entry an account."""

from __future__ import annotations

import contextlib
from typing import Protocol

import keyring
import keyring.errors

from .keys import SERVICE, KeyringVault


def _entry(account_id: str) -> str:
    return f"marketplace-token-{account_id}"


class Tokens(Protocol):
    def save(self, account_id: str, token: str) -> None: ...
    def load(self, account_id: str) -> str | None: ...
    def delete(self, account_id: str) -> None: ...


class KeyringTokens:
    def save(self, account_id: str, token: str) -> None:
        KeyringVault._call(
            "store the marketplace sign-in in",
            keyring.set_password,
            SERVICE,
            _entry(account_id),
            token,
        )

    def load(self, account_id: str) -> str | None:
        return KeyringVault._call(
            "read the marketplace sign-in from", keyring.get_password, SERVICE, _entry(account_id)
        )

    def delete(self, account_id: str) -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, _entry(account_id))


class MemoryTokens:
    """Tokens in memory, for tests: never the user's keyring."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def save(self, account_id: str, token: str) -> None:
        self.tokens[account_id] = token

    def load(self, account_id: str) -> str | None:
        return self.tokens.get(account_id)

    def delete(self, account_id: str) -> None:
        self.tokens.pop(account_id, None)
