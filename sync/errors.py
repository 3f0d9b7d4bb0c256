"""The signed diary's errors, in the engine's family: the environment's fault versus bad input."""

from __future__ import annotations

from tracker.errors import EnvironmentProblem

KEYRING_HELP = (
    "Workdiary keeps the device key that signs your work diary only in the system keyring "
    "(Secret Service on Linux: GNOME Keyring or KWallet; Keychain on macOS; Credential Manager "
    "on Windows). Install or unlock one and run: python main.py sign. Tracking goes on meanwhile; "
    "closed segments wait, unsigned, until the key can be stored."
)


class KeyringUnavailable(EnvironmentProblem):
    """No usable system keyring: the device key can be neither stored nor read."""
