"""Fixtures for the signed diary: a ledger and a signer on the test store, with keys in memory;
the real system keyring only for the tests about it, and only the test command's own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from sync.keys import DeviceKey, KeyringVault, MemoryVault, Vault
from sync.ledger import Ledger
from sync.signer import Signer
from tracker.clock import FakeClock, SystemClock
from tracker.store import DATABASE_FILE, Store

#: scripts/test sets this in the private D-Bus session where it unlocks a keyring of its own
#: (its files in a temporary directory): only there may a test write to a system keyring.
PRIVATE_KEYRING = "WORKDIARY_TEST_KEYRING"


class ForgettingVault(KeyringVault):
    """The real keyring, which forgets at the end of the test every key saved through it."""

    def __init__(self) -> None:
        self.saved: set[str] = set()

    def save(self, key: DeviceKey) -> None:
        super().save(key)
        self.saved.add(key.key_id)

    def forget(self, data_dirs: tuple[Path, ...] = ()) -> None:
        """Delete the keys saved here, and those other processes saved for ``data_dirs``."""
        for data_dir in data_dirs:
            if (data_dir / DATABASE_FILE).exists():
                store = Store(data_dir / DATABASE_FILE, SystemClock())
                try:
                    self.saved |= {row.key_id for row in Ledger(store).keys()}  # noqa: SIM118
                finally:
                    store.close()
        for kid in self.saved:
            self.delete(kid)


def require_keyring() -> ForgettingVault:
    """The real Secret Service, as the test command's own D-Bus session runs it."""
    backend = type(keyring.get_keyring()).__module__
    problem = None
    if os.environ.get(PRIVATE_KEYRING) != "private":
        problem = "the real keyring is tested only in the private session scripts/test starts"
    elif "SecretService" not in backend:
        problem = f"no Secret Service keyring here ({backend}): run the tests with scripts/test"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return ForgettingVault()


@pytest.fixture
def keyring_vault(data_dir: Path) -> Iterator[ForgettingVault]:
    vault = require_keyring()
    yield vault
    vault.forget((data_dir,))


@pytest.fixture
def vault() -> Vault:
    """Keys in memory: what the tests of records and chains need of a vault."""
    return MemoryVault()


@contextmanager
def without_keyring() -> Iterator[None]:
    """What keyring falls back to on a machine without any keyring service."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    with without_keyring():
        yield


@pytest.fixture
def ledger(store: Store) -> Ledger:
    return Ledger(store)


@pytest.fixture
def signer(store: Store, ledger: Ledger, vault: Vault, fake_clock: FakeClock) -> Signer:
    return Signer(store, ledger, vault, fake_clock)
