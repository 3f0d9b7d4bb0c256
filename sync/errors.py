"""The signed diary's errors, in the engine's family: the environment's fault versus bad input."""

from __future__ import annotations

from tracker.errors import EnvironmentProblem

#: Why a keyring is needed: said with every keyring problem (each front end adds what to do).
KEYRING_WHY = (
    "Workdiary keeps the device key that signs your work diary only in the system keyring "
    "(Secret Service on Linux: GNOME Keyring or KWallet; Keychain on macOS; Credential Manager "
    "on Windows)."
)


class KeyringUnavailable(EnvironmentProblem):
    """No usable system keyring: the device key can be neither stored nor read."""

    code = "no-keyring"


class RecordsWaiting(EnvironmentProblem):
    """Records of an export's period are not signed, so a bundle would leave them out: none is
    written. Signing them needs the system keyring (or they closed while the export ran)."""

    code = "export-unsigned"
