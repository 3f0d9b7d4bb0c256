"""Accounts and sessions: argon2 password hashes, and opaque bearer tokens kept only as their
SHA-256, valid 30 days unless revoked (logout)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .models import Account, Role, Session
from .problems import Problem
from .storage import Conflict, Transaction

TOKEN_LIFETIME = timedelta(days=30)
MIN_PASSWORD = 10
#: Failed sign-ins with one email that make it wait: whoever guesses a password gets this many
#: guesses in SIGN_IN_WINDOW, whichever server process answers (each failure is a row).
SIGN_IN_ATTEMPTS = 10
SIGN_IN_WINDOW = timedelta(minutes=15)
_hasher = PasswordHasher()
#: Checked against when the email is unknown, so that a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """The argon2id hash of a new password (slow on purpose: call it outside a transaction,
    which would hold the storage's write lock meanwhile)."""
    if len(password) < MIN_PASSWORD:
        raise Problem("weak-password", f"A password has at least {MIN_PASSWORD} characters.")
    return _hasher.hash(password)


def register(
    tx: Transaction, email: str, password_hash: str, name: str, role: Role, now: datetime
) -> Account:
    account = Account(
        id=uuid.uuid4().hex,
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        password_hash=password_hash,
        created_at=now,
    )
    try:
        tx.add_account(account)
    except Conflict:
        raise Problem("email-taken", f"There is already an account for {account.email}.") from None
    return account


@dataclass(frozen=True)
class Login:
    token: str
    session: Session
    account: Account


def check_password(account: Account | None, password: str) -> Account:
    """The account, if the password is its own; login-failed else, as slowly either way."""
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        account = None
    if account is None:
        raise Problem("login-failed", "The email or the password is wrong.")
    return account


def check_attempts(tx: Transaction, email: str, now: datetime) -> None:
    """too-many-sign-ins (429, with Retry-After) while ``email`` has failed SIGN_IN_ATTEMPTS
    times within the last SIGN_IN_WINDOW: the next try waits until the oldest of them is older
    than the window. Two processes that check at once may let a try or two more through; the
    limit is on guessing, not an exact count."""
    failures = tx.sign_in_failures(email, now - SIGN_IN_WINDOW)
    if len(failures) < SIGN_IN_ATTEMPTS:
        return
    wait = max(1, int((failures[-SIGN_IN_ATTEMPTS] + SIGN_IN_WINDOW - now).total_seconds()))
    minutes = -(-wait // 60)
    raise Problem(
        "too-many-sign-ins",
        f"Sign-ins with {email} failed {len(failures)} times in the last "
        f"{int(SIGN_IN_WINDOW.total_seconds()) // 60} minutes: try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''}.",
        headers={"Retry-After": str(wait)},
    )


def note_failure(tx: Transaction, email: str, now: datetime) -> None:
    """A failed sign-in with ``email``; those older than the window are forgotten."""
    tx.add_sign_in_failure(email, now, now - SIGN_IN_WINDOW)


def start_session(tx: Transaction, account: Account, now: datetime) -> Login:
    token = secrets.token_urlsafe(32)
    session = Session(token_hash(token), account.id, now, now + TOKEN_LIFETIME)
    tx.add_session(session)
    return Login(token, session, account)


def authenticate(tx: Transaction, token: str | None, now: datetime) -> tuple[Account, Session]:
    """The account a bearer token belongs to; Problem when there is none, or it expired."""
    if not token:
        raise Problem(
            "unauthorized",
            "Send the token from POST /v1/sessions as Authorization: Bearer TOKEN.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    found = tx.session_account(token_hash(token))
    if found is None or found[0].revoked_at is not None:
        raise Problem(
            "token-unknown",
            "The token is unknown or was revoked: sign in again.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    session, account = found
    if now >= session.expires_at:
        raise Problem(
            "token-expired",
            f"The token expired at {session.expires_at:%Y-%m-%d %H:%M} UTC: sign in again.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return account, session
