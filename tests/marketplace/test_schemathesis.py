"""The real server against its own OpenAPI description: `schemathesis run` sends generated
requests, valid and invalid, signed in as the freelancer and as the client of a contract with a
day of records, and finds no server error and no answer that the description does not allow
(status code, content type, body schema, headers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.server import Api, Server
from tests.tracker.helpers import at

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
#: Generated cases per operation and phase: enough to find what is wrong with an operation's
#: answers, few enough that the three runs take about a minute on two idle cores (two on busy
#: ones).
MAX_EXAMPLES = 30
SEED = 20261125
WEEKS = ("2026-W48", "2026-W49")
#: Logging out revokes the token a run signs in with: every later request of that run would be
#: answered 401. It has its own run, with a token of its own.
LOGOUT = "/v1/sessions/current"


@pytest.fixture(scope="module")
def uploaded(shared_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parties]:
    """A client and a freelancer with an accepted contract, an enrolled device, and a day of
    records and screenshots uploaded."""
    found = make_parties(shared_server, tmp_path_factory.mktemp("schemathesis"))
    found.device.track(found.local, "Checkout page", at(10, 10), at(11, 10))
    found.device.track(found.local, "Tax rules", at(14, 0), at(14, 30))
    shared_server.set_time(found.device.clock.now())
    found.upload(found.device.entries())
    assert found.upload_screenshots() > 0
    yield found
    found.device.close()


def config(parties: Parties, work: Path) -> Path:
    """The run's configuration: no cache or example database (nothing is written outside
    ``work``), and the ids of what the server holds, used for most path parameters so that
    generated requests reach more than "not found"."""
    values = {
        "contracts": [parties.contract_id],
        "weeks": list(WEEKS),
        "screenshots": sorted(parties.device.screenshots()),
    }
    parameters = {"contract_id": "contracts", "week": "weeks", "sha256": "screenshots"}
    lines = [
        "[cache]",
        "enabled = false",
        f"directory = {json.dumps(str(work / 'cache'))}",
        "[generation]",
        'database = "none"',
    ]
    for name, found in values.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(found)}"]
    lines.append("[parameters]")
    for parameter, dictionary in parameters.items():
        lines.append(f'"path.{parameter}" = {{ dictionary = "{dictionary}", probability = 0.8 }}')
    path = work / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def schemathesis(parties: Parties, token: str, work: Path, *options: str) -> str:
    """``schemathesis run`` against the server's /openapi.json, signed in with ``token``: its
    output, and the test fails with it when schemathesis finds anything."""
    work.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config(parties, work)),
        "run",
        f"{parties.server.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        # One worker: Python 3.11's parser (ast.parse), which Hypothesis calls to describe its
        # strategies, fails now and then when several threads call it at once.
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
        *options,
    ]
    # Only 127.0.0.1 is reached: no proxy from the environment stands in between.
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    done = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output + "\n" + parties.server.output()[-5000:]
    return output


def test_no_answer_breaks_the_description_for_the_freelancer(
    uploaded: Parties, tmp_path: Path
) -> None:
    assert uploaded.freelancer.token is not None
    schemathesis(uploaded, uploaded.freelancer.token, tmp_path, "--exclude-path", LOGOUT)


def test_no_answer_breaks_the_description_for_the_client(uploaded: Parties, tmp_path: Path) -> None:
    """What the client's token changes: contracts, weeks, money, and the freelancer's endpoints
    refused. Accounts, sessions and the receipt key answer alike for any token (and signing up
    or in hashes a password, which is slow on purpose): the freelancer's run covers them."""
    assert uploaded.client.token is not None
    schemathesis(
        uploaded,
        uploaded.client.token,
        tmp_path,
        "--exclude-path-regex",
        r"^/(\.well-known/|v1/accounts$|v1/sessions)",
    )


def test_logging_out_answers_as_described(uploaded: Parties, tmp_path: Path) -> None:
    session = uploaded.server.api().ok(
        "POST",
        "/v1/sessions",
        201,
        json={"email": uploaded.freelancer_email, "password": "correct horse battery"},
    )
    schemathesis(uploaded, session["token"], tmp_path, "--include-path", LOGOUT)
    revoked = Api(uploaded.server.url, session["token"])
    assert revoked.refused("GET", "/v1/me", "token-unknown")["status"] == 401
