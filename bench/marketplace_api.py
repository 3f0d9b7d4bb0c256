"""The reference marketplace's API as the benchmarks drive it straight, without the device's
client: the server's clock and the weeks it still takes, a contract offered and accepted,
records posted in batches and screenshots put, and each batch's receipts checked."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import requests

from diary.canonical import Json, canonical, sha256_hex
from diary.receipts import MarketplaceKey, read_receipt, signed_by
from diary.times import WEEK, lock_at, week_start
from tests.marketplace.server import Api

#: The server's clock: Monday 11:50 UTC, when last week is still open (it locks at 12:00).
NOW = datetime(2026, 11, 30, 11, 50, tzinfo=UTC)
#: Long enough for any batch on a loaded machine: a benchmark reports slowness, never fails on it.
TIMEOUT = 120


def first_open_slot(now: datetime) -> datetime:
    """The start of the earliest week whose records the server still takes at ``now``."""
    last_week = week_start(now) - WEEK
    return last_week if now < lock_at(last_week) else last_week + WEEK


def accepted_contract(client: Api, freelancer: Api, email: str) -> str:
    """A contract ``client`` offers the freelancer signed in as ``freelancer``, accepted; its id.
    Its weekly limit is the whole week, so no segment is beyond it."""
    offer = {
        "freelancer": email,
        "title": "Web shop",
        "hourly_rate_cents": 4500,
        "weekly_limit_hours": 168,
    }
    contract = client.ok("POST", "/v1/contracts", 201, json=offer)
    freelancer.ok("POST", f"/v1/contracts/{contract['id']}/accept")
    return str(contract["id"])


def post_records(
    http: requests.Session, url: str, token: str, bodies: Iterable[bytes]
) -> list[tuple[int, bytes]]:
    """POST /v1/records with each body (already encoded); each answer's status and body."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answers = []
    for body in bodies:
        got = http.post(f"{url}/v1/records", data=body, headers=headers, timeout=TIMEOUT)
        answers.append((got.status_code, got.content))
    return answers


def put_screenshots(
    http: requests.Session, url: str, token: str, shots: Iterable[tuple[str, bytes]]
) -> list[int]:
    """PUT /v1/screenshots/{sha256} with each file; the statuses."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"}
    statuses = []
    for sha, data in shots:
        got = http.put(f"{url}/v1/screenshots/{sha}", data=data, headers=headers, timeout=TIMEOUT)
        statuses.append(got.status_code)
    return statuses


def batch_bodies(lines: list[Json], batch: int) -> list[bytes]:
    """The upload bodies of ``lines``, ``batch`` records each."""
    return [
        json.dumps({"records": lines[at : at + batch]}).encode()
        for at in range(0, len(lines), batch)
    ]


def check_batch(status: int, body: bytes, lines: list[Json], key: MarketplaceKey) -> int:
    """Every record of the batch accepted, none held already, and each receipt signed by
    ``key`` and naming its record; the number of receipts."""
    assert status == 200, (status, body[:2000])
    answer: dict[str, Any] = json.loads(body)
    assert answer["accepted"] == len(lines) and answer["already_held"] == 0, answer
    assert len(answer["receipts"]) == len(lines)
    for line, item in zip(lines, answer["receipts"], strict=True):
        receipt = read_receipt(item)
        assert signed_by(receipt, key), "a receipt not signed by the marketplace's key"
        assert receipt.record == sha256_hex(canonical(line["record"]))
    return len(lines)
