"""The SQL queries of disputes, the actions on a week, mediators' decisions, comments and payments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..models import Action, Comment, Decision, Dispute
from .sql import SqlQueries, epoch, moment, moment_or_none


class DisputeQueries(SqlQueries):
    """Disputes and what follows them: actions, decisions, comments, and the money moved."""

    def add_dispute(self, dispute: Dispute) -> None:
        self._insert(
            "INSERT INTO disputes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            dispute.id,
            dispute.contract,
            epoch(dispute.week),
            ",".join(dispute.segments),
            dispute.reason,
            dispute.seconds,
            dispute.amount_cents,
            dispute.created_by,
            epoch(dispute.created_at),
        )

    def disputes(self, contract_id: str, start: datetime) -> list[Dispute]:
        rows = self._all(
            "SELECT * FROM disputes WHERE contract = ? AND week = ? ORDER BY created_at, id",
            contract_id,
            epoch(start),
        )
        return [self._dispute(r) for r in rows]

    def _dispute(self, r: Any) -> Dispute:
        return Dispute(
            r[0], r[1], moment(r[2]), tuple(r[3].split(",")), r[4], r[5], r[6], r[7], moment(r[8])
        )

    def add_action(self, action: Action) -> None:
        self._execute(
            "INSERT INTO actions (account, contract, week, action, detail, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            action.account,
            action.contract,
            epoch(action.week),
            action.action,
            action.detail,
            epoch(action.at),
        )

    def actions(self, contract_id: str) -> list[Action]:
        rows = self._all(
            "SELECT account, contract, week, action, detail, at FROM actions"
            " WHERE contract = ? ORDER BY rowid",
            contract_id,
        )
        return [Action(r[0], r[1], moment_or_none(r[2]), r[3], r[4], moment(r[5])) for r in rows]

    def dispute(self, dispute_id: str) -> Dispute | None:
        row = self._one("SELECT * FROM disputes WHERE id = ?", dispute_id)
        return None if row is None else self._dispute(row)

    def open_disputes(self) -> list[Dispute]:
        rows = self._all(
            "SELECT * FROM disputes d WHERE (SELECT count(*) FROM decisions WHERE dispute = d.id)"
            " < length(d.segments) - length(replace(d.segments, ',', '')) + 1"
            " ORDER BY created_at, id"
        )
        return [self._dispute(r) for r in rows]

    def add_decision(self, decision: Decision) -> None:
        self._insert(
            "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            decision.dispute,
            decision.segment,
            decision.decision,
            decision.reason,
            decision.seconds,
            decision.cents,
            decision.decided_by,
            epoch(decision.decided_at),
        )

    def decisions(self, dispute_id: str) -> list[Decision]:
        rows = self._all(
            "SELECT * FROM decisions WHERE dispute = ? ORDER BY decided_at, segment", dispute_id
        )
        return [Decision(r[0], r[1], r[2], r[3], r[4], r[5], r[6], moment(r[7])) for r in rows]

    def add_comment(self, comment: Comment) -> None:
        self._insert(
            "INSERT INTO comments VALUES (?, ?, ?, ?)",
            comment.dispute,
            comment.account,
            comment.text,
            epoch(comment.at),
        )

    def comments(self, dispute_id: str) -> list[Comment]:
        rows = self._all("SELECT * FROM comments WHERE dispute = ? ORDER BY at", dispute_id)
        return [Comment(r[0], r[1], r[2], moment(r[3])) for r in rows]

    def add_payment(
        self, account_id: str, contract_id: str, week: datetime, cents: int, kind: str, at: datetime
    ) -> None:
        self._execute(
            "INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?)",
            account_id,
            contract_id,
            epoch(week),
            cents,
            kind,
            epoch(at),
        )

    def balance(self, account_id: str) -> dict[str, int]:
        rows = self._all(
            "SELECT kind, sum(cents) FROM payments WHERE account = ? GROUP BY kind", account_id
        )
        # int(): PostgreSQL sums BIGINT as NUMERIC.
        return {kind: int(total) for kind, total in rows}
