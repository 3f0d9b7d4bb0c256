"""`serve --demo`: a client, a freelancer and a mediator, and a contract the freelancer has
accepted, so the whole loop runs on one machine with no set-up. Their passwords are made once
and kept in the data dir (readable by its owner only), so every start prints the same."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from diary.times import week_start

from . import auth
from .contracts import new_contract_id
from .errors import DataDirUnusable
from .models import Contract, ContractState, LimitChange, Role
from .service import Marketplace
from .storage import Transaction

DEMO_ACCOUNTS = (
    ("client@demo.workdiary", "Demo Client", Role.CLIENT),
    ("freelancer@demo.workdiary", "Demo Freelancer", Role.FREELANCER),
    ("mediator@demo.workdiary", "Demo Mediator", Role.MEDIATOR),
)
DEMO_CONTRACT = "Demo project"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: Role


@dataclass(frozen=True)
class Demo:
    logins: list[DemoLogin]
    contract: str


def add_active_contract(
    tx: Transaction, client: str, freelancer: str, title: str, weekly_hours: int, now: datetime
) -> Contract:
    """A contract at $45 an hour, with manual time, offered and accepted at ``now``, its
    weekly limit ``weekly_hours`` from this week on (what the demo and the load benchmark seed)."""
    contract = Contract(
        id=new_contract_id(),
        client=client,
        freelancer=freelancer,
        title=title,
        rate_cents=4500,
        manual_time_allowed=True,
        state=ContractState.ACTIVE,
        created_at=now,
        accepted_at=now,
    )
    tx.add_contract(contract)
    tx.add_limit_change(LimitChange(contract.id, weekly_hours, week_start(now), now))
    return contract


def seed(market: Marketplace, data_dir: Path) -> Demo:
    """The demo accounts and contract, made on the first start and found on the next."""
    path = data_dir / "demo-logins.json"
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        return Demo(
            [DemoLogin(x["email"], x["password"], Role(x["role"])) for x in saved["logins"]],
            saved["contract"],
        )
    with market.transaction() as tx:
        if tx.account_by_email(DEMO_ACCOUNTS[0][0]) is not None:
            raise DataDirUnusable(
                f"The demo accounts exist in {data_dir}, but the file that keeps their passwords "
                f"({path.name}) is gone. Start the demo with a new --data folder."
            )
    now = market.now()
    logins = [DemoLogin(email, secrets.token_urlsafe(12), role) for email, _, role in DEMO_ACCOUNTS]
    hashes = {login.email: auth.hash_password(login.password) for login in logins}
    with market.transaction() as tx:
        ids = {}
        for login, (_, name, _) in zip(logins, DEMO_ACCOUNTS, strict=True):
            ids[login.role] = auth.register(
                tx, login.email, hashes[login.email], name, login.role, now
            ).id
        contract = add_active_contract(
            tx, ids[Role.CLIENT], ids[Role.FREELANCER], DEMO_CONTRACT, 40, now
        )
    demo = Demo(logins, contract.id)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(
            {
                "logins": [
                    {"email": x.email, "password": x.password, "role": x.role.value} for x in logins
                ],
                "contract": contract.id,
            },
            file,
            indent=2,
        )
    return demo
