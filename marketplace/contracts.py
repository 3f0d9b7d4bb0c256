"""Contract ids: the marketplace's are ``m-`` and 32 hex characters, never all digits (a
device's own contracts are numbers: docs/protocol.md, "Contract ids")."""

from __future__ import annotations

import uuid


def new_contract_id() -> str:
    return f"m-{uuid.uuid4().hex}"
