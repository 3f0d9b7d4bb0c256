"""What one round of signing did, in a form that crosses a process boundary as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SigningReport:
    """``problem`` says why records still wait, if they do, and ``code`` names the kind of
    problem (the error's code, for front ends' advice); ``waiting`` is -1 when unknown."""

    signed: int
    waiting: int
    problem: str | None = None
    notices: tuple[str, ...] = ()
    code: str | None = None
    #: The round of sync after signing (sync/auto.py sync_if_due): None when none ran.
    sync: dict[str, Any] | None = None
    #: Where sync stands afterwards (sync/status.py): None when not signed in.
    status: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "signed": self.signed,
            "waiting": self.waiting,
            "problem": self.problem,
            "notices": list(self.notices),
            "code": self.code,
            "sync": self.sync,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SigningReport:
        return cls(
            signed=int(data["signed"]),
            waiting=int(data["waiting"]),
            problem=None if data["problem"] is None else str(data["problem"]),
            notices=tuple(str(n) for n in data["notices"]),
            code=None if data.get("code") is None else str(data["code"]),
            sync=_object(data.get("sync")),
            status=_object(data.get("status")),
        )


def _object(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None
