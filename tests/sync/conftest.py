"""Fixtures for the signed diary: the real system keyring, a ledger and a signer on the test store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import keyring
import keyring.backends.fail
import pytest

from sync.keys import KeyringVault
from sync.ledger import Ledger
from sync.signer import Signer
from tracker.clock import FakeClock
from tracker.store import Store


def require_keyring() -> KeyringVault:
    """The real Secret Service (gnome-keyring in the test command's D-Bus session)."""
    backend = type(keyring.get_keyring()).__module__
    if "SecretService" not in backend:
        message = f"no Secret Service keyring here ({backend}): run the tests with scripts/test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return KeyringVault()


@pytest.fixture
def vault() -> KeyringVault:
    return require_keyring()


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
def signer(store: Store, ledger: Ledger, vault: KeyringVault, fake_clock: FakeClock) -> Signer:
    return Signer(store, ledger, vault, fake_clock)
