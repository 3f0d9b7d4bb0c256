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


class MarketplaceUnreachable(EnvironmentProblem):
    """The marketplace did not answer, or answered that it cannot now (a timeout, a lost
    connection, 429 or 5xx): try again later; nothing waiting is lost."""

    code = "marketplace-unreachable"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SignInAgain(EnvironmentProblem):
    """The marketplace does not take the token: it expired or was revoked."""

    code = "sign-in-again"


class MarketplaceRefused(EnvironmentProblem):
    """The marketplace refused a request with a problem code (docs/api.md): not to be retried
    as it is."""

    code = "marketplace-refused"

    def __init__(self, message: str, *, problem: str, status: int) -> None:
        super().__init__(message)
        self.problem = problem
        self.status = status
