"""Fixtures for the marketplace: the real server as a subprocess on 127.0.0.1, an S3 server
(moto's) for its screenshots, accounts made through its API, and a recording device on a fake
clock."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import START
from tests.marketplace.backend import SERVICES
from tests.marketplace.device import RecordingDevice
from tests.marketplace.postgres import PostgresMissing, PostgresServer
from tests.marketplace.s3 import ENVIRONMENT, UNSET, S3Server
from tests.marketplace.server import Api, Server, running


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server in a process of its own on 127.0.0.1, the session's one (backend.py);
    from its first use on, the AWS environment is the tests' own (credentials moto takes, no
    profile, no instance metadata), so every marketplace started after it finds them."""
    with pytest.MonkeyPatch.context() as env:
        for name in UNSET:
            env.delenv(name, raising=False)
        for name, value in ENVIRONMENT.items():
            env.setenv(name, value)
        yield SERVICES.s3()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("marketplace") / "data", START) as found:
        yield found


@pytest.fixture
def server(shared_server: Server) -> Server:
    """The module's server (starting one takes seconds), its clock back at the tests' start;
    each test makes accounts of its own (``make_parties``)."""
    shared_server.set_time(START)
    return shared_server


@dataclass
class Parties:
    """A client and a freelancer with an accepted contract, and the freelancer's device
    enrolled and linked to it."""

    server: Server
    client: Api
    freelancer: Api
    contract: dict[str, Any]
    device: RecordingDevice
    local: int

    freelancer_email: str

    @property
    def contract_id(self) -> str:
        return str(self.contract["id"])

    def upload(self, lines: list[dict[str, Any]], batch: int = 50) -> list[dict[str, Any]]:
        """Upload in batches, as a device would; every batch must be accepted whole."""
        receipts: list[dict[str, Any]] = []
        for first in range(0, len(lines), batch):
            answer = self.freelancer.ok(
                "POST", "/v1/records", json={"records": lines[first : first + batch]}
            )
            receipts += answer["receipts"]
        return receipts

    def upload_screenshots(self) -> int:
        for sha256, path in self.device.screenshots().items():
            answer = self.freelancer.call(
                "PUT", f"/v1/screenshots/{sha256}", data=path.read_bytes()
            )
            assert answer.status_code in (200, 201), answer.text  # 200: the same file is held
        return len(self.device.screenshots())


_names = itertools.count(1)


def make_parties(
    server: Server, root: Path, name: str = "a", now: datetime = START, **terms: Any
) -> Parties:
    """Accounts of their own (unique on the server), a contract and an enrolled device."""
    name = f"{name}{next(_names)}"
    api = server.api()
    client = api.sign_up(f"client-{name}@example.com", "client")
    freelancer = api.sign_up(f"freelancer-{name}@example.com", "freelancer")
    offer = {
        "freelancer": f"freelancer-{name}@example.com",
        "title": "Website",
        "hourly_rate_cents": 4500,
        "weekly_limit_hours": 40,
        "manual_time_allowed": True,
        **terms,
    }
    contract = client.ok("POST", "/v1/contracts", 201, json=offer)
    contract = freelancer.ok("POST", f"/v1/contracts/{contract['id']}/accept")
    device = RecordingDevice(root / f"device-{name}", now)
    local = device.contract(contract["id"], rate_cents=offer["hourly_rate_cents"])
    freelancer.ok("POST", "/v1/devices", 201, json={"genesis": device.genesis()})
    return Parties(
        server, client, freelancer, contract, device, local, f"freelancer-{name}@example.com"
    )


@pytest.fixture
def parties(server: Server, tmp_path: Path) -> Iterator[Parties]:
    found = make_parties(server, tmp_path)
    yield found
    found.device.close()


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    """A PostgreSQL server of the tests' own on 127.0.0.1, the session's one (backend.py).
    Without PostgreSQL's programs a test that needs it is skipped, unless in CI, where it
    fails."""
    try:
        return SERVICES.postgres()
    except PostgresMissing as missing:
        if os.environ.get("CI"):
            pytest.fail(str(missing), pytrace=False)
        pytest.skip(str(missing))


@pytest.fixture
def database_url(postgres: PostgresServer) -> str:
    """The URL of a new, empty PostgreSQL database, the test's own."""
    return postgres.create_database()
