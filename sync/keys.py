"""Device keys: Ed25519 private keys kept only in the system keyring, public keys in the database."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Protocol

import keyring
import keyring.errors
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from diary.canonical import key_id

from .errors import KEYRING_WHY, KeyringUnavailable

#: The keyring entry of a key is (SERVICE, "device-key-<key id>"): one entry a key, so that
#: several data directories on one machine never share or overwrite each other's keys.
SERVICE = "workdiary"

log = logging.getLogger(__name__)


def public_bytes(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class DeviceKey:
    """A key that can sign: its id, the device it belongs to, and the private half."""

    key_id: str
    device_id: str
    private: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return public_bytes(self.private.public_key())

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def __repr__(self) -> str:  # never show the private half, not even in a traceback
        return f"DeviceKey(key_id={self.key_id!r}, device_id={self.device_id!r})"


def generate_key(device_id: str | None = None) -> DeviceKey:
    """A fresh key; without a device id it starts a new device, whose id is the key's id."""
    private = Ed25519PrivateKey.generate()
    kid = key_id(public_bytes(private.public_key()))
    return DeviceKey(kid, device_id or kid, private)


def _entry(kid: str) -> str:
    return f"device-key-{kid}"


class Vault(Protocol):
    """Where private keys live: the system keyring in the app, a dict in benchmarks."""

    def save(self, key: DeviceKey) -> None: ...
    def load(self, kid: str, device_id: str) -> DeviceKey | None: ...
    def delete(self, kid: str) -> None: ...


class KeyringVault:
    """Stores private keys in the system keyring, and says clearly when there is none."""

    def save(self, key: DeviceKey) -> None:
        raw = key.private.private_bytes_raw().hex()
        self._call(
            "store the device key in", keyring.set_password, SERVICE, _entry(key.key_id), raw
        )

    def load(self, kid: str, device_id: str) -> DeviceKey | None:
        """The key with this id, or None when the keyring works but does not hold it."""
        raw = self._call("read the device key from", keyring.get_password, SERVICE, _entry(kid))
        if raw is None:
            return None
        try:
            private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))
        except ValueError:
            log.error("the keyring entry for device key %s is not a key", kid)
            return None
        if key_id(public_bytes(private.public_key())) != kid:
            log.error("the keyring entry for device key %s holds another key", kid)
            return None
        return DeviceKey(kid, device_id, private)

    def delete(self, kid: str) -> None:
        # Already gone is what was wanted.
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, _entry(kid))

    @staticmethod
    def _call(doing: str, function: object, *args: str) -> str | None:
        assert callable(function)
        try:
            result = function(*args)
        except keyring.errors.KeyringError as error:
            raise KeyringUnavailable(
                f"Could not {doing} the system keyring ({_describe(error)}). {KEYRING_WHY}"
            ) from error
        except Exception as error:  # D-Bus and backend failures arrive in many shapes
            log.exception("keyring call failed")
            raise KeyringUnavailable(
                f"Could not {doing} the system keyring ({type(error).__name__}: {error}). "
                f"{KEYRING_WHY}"
            ) from error
        return result if isinstance(result, str) else None


def _describe(error: keyring.errors.KeyringError) -> str:
    if isinstance(error, keyring.errors.NoKeyringError):
        return "no keyring is available"
    if isinstance(error, keyring.errors.KeyringLocked):
        return "the keyring is locked"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class MemoryVault:
    """Private keys in memory, for the life of the object: for tests and benchmarks, which must
    never write to the user's own keyring. Never used by the program itself."""

    def __init__(self) -> None:
        self.keys: dict[str, DeviceKey] = {}

    def save(self, key: DeviceKey) -> None:
        self.keys[key.key_id] = key

    def load(self, kid: str, device_id: str) -> DeviceKey | None:
        key = self.keys.get(kid)
        return None if key is None else DeviceKey(kid, device_id, key.private)

    def delete(self, kid: str) -> None:
        self.keys.pop(kid, None)
