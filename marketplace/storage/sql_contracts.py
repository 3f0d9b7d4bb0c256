"""The SQL queries of contracts, their weekly limits and their billing weeks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..models import Contract, ContractState, LimitChange, Week, WeekState
from .sql import SqlQueries, epoch, moment, moment_or_none


class ContractQueries(SqlQueries):
    """Contracts, the changes of their weekly limits, and their billing weeks."""

    # Contracts ---------------------------------------------------------------------------

    def add_contract(self, contract: Contract) -> None:
        self._insert(
            "INSERT INTO contracts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            contract.id,
            contract.client,
            contract.freelancer,
            contract.title,
            contract.rate_cents,
            int(contract.manual_time_allowed),
            contract.state.value,
            epoch(contract.created_at),
            epoch(contract.accepted_at),
        )

    def _contract(self, r: Any) -> Contract:
        return Contract(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            bool(r[5]),
            ContractState(r[6]),
            moment(r[7]),
            moment_or_none(r[8]),
        )

    def contract(self, contract_id: str) -> Contract | None:
        row = self._one("SELECT * FROM contracts WHERE id = ?", contract_id)
        return None if row is None else self._contract(row)

    def contracts(self, account_id: str) -> list[Contract]:
        rows = self._all(
            "SELECT * FROM contracts WHERE client = ? OR freelancer = ? ORDER BY created_at, id",
            account_id,
            account_id,
        )
        return [self._contract(r) for r in rows]

    def set_contract_state(
        self, contract_id: str, state: ContractState, accepted_at: datetime | None
    ) -> None:
        self._execute(
            "UPDATE contracts SET state = ?, accepted_at = ? WHERE id = ?",
            state.value,
            epoch(accepted_at),
            contract_id,
        )

    def add_limit_change(self, change: LimitChange) -> None:
        self._insert(
            "INSERT INTO limit_changes (contract, hours, effective_from, made_at)"
            " VALUES (?, ?, ?, ?)",
            change.contract,
            change.hours,
            epoch(change.effective_from),
            epoch(change.made_at),
        )

    def limit_changes(self, contract_id: str) -> list[LimitChange]:
        rows = self._all(
            "SELECT contract, hours, effective_from, made_at FROM limit_changes"
            " WHERE contract = ? ORDER BY made_at, rowid",
            contract_id,
        )
        return [LimitChange(r[0], r[1], moment(r[2]), moment(r[3])) for r in rows]

    # Billing weeks -----------------------------------------------------------------------

    def _week(self, r: Any) -> Week:
        return Week(
            r[0],
            moment(r[1]),
            WeekState(r[2]),
            r[3],
            r[4],
            r[5],
            r[6],
            moment(r[7]),
            moment_or_none(r[8]),
            moment_or_none(r[9]),
            r[10],
        )

    def week(self, contract_id: str, start: datetime) -> Week | None:
        row = self._one(
            "SELECT * FROM weeks WHERE contract = ? AND start = ?", contract_id, epoch(start)
        )
        return None if row is None else self._week(row)

    def put_week(self, week: Week) -> None:
        self._execute(
            "INSERT INTO weeks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (contract, start) DO UPDATE SET state = excluded.state,"
            " billable_seconds = excluded.billable_seconds,"
            " amount_cents = excluded.amount_cents, held_cents = excluded.held_cents,"
            " released_cents = excluded.released_cents, locked_at = excluded.locked_at,"
            " decided_at = excluded.decided_at, released_at = excluded.released_at,"
            " refunded_cents = excluded.refunded_cents",
            week.contract,
            epoch(week.start),
            week.state.value,
            week.billable_seconds,
            week.amount_cents,
            week.held_cents,
            week.released_cents,
            epoch(week.locked_at),
            epoch(week.decided_at),
            epoch(week.released_at),
            week.refunded_cents,
        )

    def weeks(self, contract_id: str) -> list[Week]:
        rows = self._all("SELECT * FROM weeks WHERE contract = ? ORDER BY start", contract_id)
        return [self._week(r) for r in rows]
