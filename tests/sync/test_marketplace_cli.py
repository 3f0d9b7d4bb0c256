"""login, sync, status and logout from the command line, against the real marketplace (a
subprocess on 127.0.0.1) and the test command's private keyring, where the token lives."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from tests.conftest import START
from tests.marketplace.conftest import make_parties
from tests.marketplace.server import Server, running
from tests.sync.conftest import ForgettingVault
from tests.tracker.helpers import at
from tracker.clock import FakeClock


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("cli") / "data", START) as found:
        yield found


def test_login_sync_status_and_logout(
    server: Server,
    tmp_path: Path,
    keyring_vault: ForgettingVault,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parties = make_parties(server, tmp_path)
    other = parties.client.ok(
        "POST",
        "/v1/contracts",
        201,
        json={
            "freelancer": parties.freelancer_email,
            "title": "Logo",
            "hourly_rate_cents": 6000,
            "weekly_limit_hours": 5,
        },
    )
    parties.freelancer.ok("POST", f"/v1/contracts/{other['id']}/accept")
    device = parties.device
    device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))
    server.set_time(device.clock.now())
    clock = FakeClock(device.clock.now())

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data-dir", str(device.data_dir), *args], clock=clock)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("status", "--json")
    assert code == 0 and json.loads(out)["marketplace"] is None
    code, out, err = run(
        "login", server.url, parties.freelancer_email, "--password-stdin", stdin="wrong password\n"
    )
    assert code == 3 and "The email or the password is wrong" in err
    code, out, err = run(
        "login",
        server.url,
        parties.freelancer_email,
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert code == 0, err
    assert "The marketplace's receipt key:" in out and "Logo (client-" in out
    linked = {c.marketplace_id: c for c in device.store.contracts()}
    assert (
        linked[other["id"]].weekly_limit_minutes == 300 and linked[other["id"]].rate_cents == 6000
    )
    status = json.loads(run("status", "--json")[1])
    assert status["waiting_records"] == 3  # with the genesis, which the device did not send
    assert status["waiting_screenshots"] == 1  # two black screens: one file
    code, out, err = run("sync", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["receipted"], report["refused_code"]) == (3, None)  # the genesis, then two
    status = json.loads(run("status", "--json")[1])
    assert (status["waiting_records"], status["waiting_screenshots"]) == (0, 0)
    assert status["last_success"] is not None
    code, out, _ = run("status")
    assert "Waiting: 0 record(s), 0 screenshot(s)." in out
    # The round of signing after a segment closes syncs too, in the same short process.
    before = len(device.chain())
    device.track(parties.local, "Totals", at(10, 40), at(10, 50))
    new = len(device.chain()) - before
    server.set_time(device.clock.now())
    clock.advance((device.clock.now() - clock.now()).total_seconds())
    code, out, err = run("sign", "--json")
    synced = json.loads(out)["sync"]
    # This device's key is in memory, not in the keyring `sign` reads: `sign` starts a new
    # chain (a new device, its genesis), and the round enrolls it too.
    assert new >= 1 and (synced["receipted"], synced["problem"]) == (new + 1, None)
    assert len(parties.freelancer.ok("GET", "/v1/devices")) == 2
    assert json.loads(run("status", "--json")[1])["waiting_records"] == 0
    assert run("logout")[0] == 0
    code, out, err = run("sync")
    assert code == 3 and "Sign in again with:" in err
    device.close()
