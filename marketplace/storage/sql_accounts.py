"""The SQL queries of accounts, sessions, devices, their keys and their chains' heads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from diary.chain import ChainHead

from ..models import Account, Device, DeviceKey, Role, Session
from .sql import SqlQueries, epoch, moment, moment_or_none


class AccountQueries(SqlQueries):
    """Accounts and their sessions, devices and keys."""

    # Accounts and sessions ---------------------------------------------------------------

    def add_account(self, account: Account) -> None:
        self._insert(
            "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)",
            account.id,
            account.email,
            account.name,
            account.role.value,
            account.password_hash,
            epoch(account.created_at),
        )

    def _account(self, row: Any) -> Account | None:
        if row is None:
            return None
        return Account(row[0], row[1], row[2], Role(row[3]), row[4], moment(row[5]))

    def account(self, account_id: str) -> Account | None:
        return self._account(self._one("SELECT * FROM accounts WHERE id = ?", account_id))

    def account_by_email(self, email: str) -> Account | None:
        return self._account(self._one("SELECT * FROM accounts WHERE email = ?", email))

    def add_session(self, session: Session) -> None:
        self._insert(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)",
            session.token_hash,
            session.account,
            epoch(session.created_at),
            epoch(session.expires_at),
        )

    def session(self, token_hash: str) -> Session | None:
        row = self._one("SELECT * FROM sessions WHERE token_hash = ?", token_hash)
        if row is None:
            return None
        return Session(row[0], row[1], moment(row[2]), moment(row[3]), moment_or_none(row[4]))

    def session_account(self, token_hash: str) -> tuple[Session, Account] | None:
        row = self._one(
            "SELECT s.token_hash, s.account, s.created_at, s.expires_at, s.revoked_at, a.*"
            " FROM sessions s JOIN accounts a ON a.id = s.account WHERE s.token_hash = ?",
            token_hash,
        )
        if row is None:
            return None
        session = Session(row[0], row[1], moment(row[2]), moment(row[3]), moment_or_none(row[4]))
        account = self._account(row[5:])
        assert account is not None
        return session, account

    def revoke_session(self, token_hash: str, at: datetime) -> None:
        self._execute(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
            epoch(at),
            token_hash,
        )

    def add_sign_in_failure(self, email: str, at: datetime, forget_before: datetime) -> None:
        self._execute("DELETE FROM sign_in_failures WHERE at < ?", epoch(forget_before))
        self._execute("INSERT INTO sign_in_failures VALUES (?, ?)", email, epoch(at))

    def sign_in_failures(self, email: str, since: datetime) -> list[datetime]:
        rows = self._all(
            "SELECT at FROM sign_in_failures WHERE email = ? AND at > ? ORDER BY at",
            email,
            epoch(since),
        )
        return [moment(r[0]) for r in rows]

    def clear_sign_in_failures(self, email: str) -> None:
        self._execute("DELETE FROM sign_in_failures WHERE email = ?", email)

    # Devices -----------------------------------------------------------------------------

    def add_device(self, device: Device) -> None:
        self._insert(
            "INSERT INTO devices VALUES (?, ?, ?)",
            device.id,
            device.account,
            epoch(device.enrolled_at),
        )

    def device(self, device_id: str) -> Device | None:
        row = self._one("SELECT * FROM devices WHERE id = ?", device_id)
        return None if row is None else Device(row[0], row[1], moment(row[2]))

    def devices(self, account_id: str) -> list[Device]:
        rows = self._all("SELECT * FROM devices WHERE account = ? ORDER BY enrolled_at", account_id)
        return [Device(r[0], r[1], moment(r[2])) for r in rows]

    def add_key(self, key: DeviceKey) -> None:
        self._insert(
            "INSERT INTO device_keys VALUES (?, ?, ?, ?)",
            key.key_id,
            key.device,
            key.public_key,
            key.seq,
        )

    def keys(self, device_id: str) -> list[DeviceKey]:
        rows = self._all("SELECT * FROM device_keys WHERE device = ? ORDER BY seq", device_id)
        return [DeviceKey(r[0], r[1], bytes(r[2]), r[3]) for r in rows]

    def head(self, device_id: str) -> ChainHead | None:
        # One round trip: the last record, and the key that signs from there.
        row = self._one(
            "SELECT seq, hash, signed_at, (SELECT key_id FROM device_keys WHERE device = ?"
            " ORDER BY seq DESC LIMIT 1) FROM records WHERE device = ? ORDER BY seq DESC LIMIT 1",
            device_id,
            device_id,
        )
        if row is None:
            return None
        return ChainHead(device_id, row[0], row[1], row[2], row[3])
