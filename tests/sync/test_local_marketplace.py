"""The marketplace on this computer: started by whoever needs it first, found by the others while
it runs, stopped with whoever started it (even when that one is killed), on the same port again
when it is free; and `login --local`, then `sync`, starting it for as long as they run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli.main import main
from composition import own_command
from sync.local_marketplace import SERVER_FILE, LocalMarketplace, LocalMarketplaceFailed
from tests.marketplace.device import RecordingDevice
from tests.marketplace.server import running
from tests.sync.conftest import ForgettingVault
from tests.waiting import wait_until
from tracker.clock import FakeClock


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalMarketplace]:
    found = LocalMarketplace(tmp_path, own_command())
    yield found
    pid = _pid(found)
    if pid is not None and _alive(pid):  # a test that failed half-way leaves no server behind
        os.kill(pid, signal.SIGKILL)


def _pid(local: LocalMarketplace) -> int | None:
    try:
        return int(json.loads((local.dir / SERVER_FILE).read_text())["pid"])
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that ended but was not waited for yet is a zombie: it serves nothing.
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(") ", 1)[1][0] != "Z"


def test_the_first_starts_it_the_others_find_it_and_the_starter_stops_it(
    local: LocalMarketplace,
) -> None:
    assert local.running() is None
    first = local.start()
    assert first.process is not None and first.url.startswith("http://127.0.0.1:")
    assert local.running() == first.url
    found = local.start()
    assert found.process is None and found.url == first.url
    found.stop()  # a found server is left running
    assert local.running() == first.url
    assert local.demo_login("freelancer")[0] == "freelancer@demo.workdiary"
    first.stop()
    assert local.running() is None and first.process.returncode == 0  # stopped cleanly
    again = local.start()  # the same port again, so a device's link keeps its address
    try:
        assert again.process is not None and again.url == first.url
    finally:
        again.stop()


def test_it_stops_when_the_process_that_started_it_is_killed(
    local: LocalMarketplace, tmp_path: Path
) -> None:
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from composition import own_command\n"
            "from sync.local_marketplace import LocalMarketplace\n"
            "server = LocalMarketplace(Path(sys.argv[1]), own_command()).start()\n"
            "print(server.url, flush=True)\n"
            "time.sleep(600)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert starter.stdout is not None
    url = starter.stdout.readline().strip()
    assert local.running() == url
    pid = _pid(local)
    assert pid is not None
    starter.kill()
    starter.wait()
    wait_until(lambda: not _alive(pid), 60, "the orphaned local marketplace to stop")
    assert local.running() is None


def test_a_server_that_cannot_start_says_why(local: LocalMarketplace) -> None:
    local.dir.mkdir(parents=True)
    (local.dir / "receipt-key.pem").write_text("not a key")
    with pytest.raises(LocalMarketplaceFailed, match=r"receipt key .* is damaged"):
        local.start()
    with pytest.raises(LocalMarketplaceFailed, match="demo logins"):
        local.demo_login("freelancer")


def test_login_local_then_sync_starts_the_marketplace_for_as_long_as_they_run(
    tmp_path: Path,
    keyring_vault: ForgettingVault,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    device = RecordingDevice(tmp_path, now - timedelta(hours=1))
    local = LocalMarketplace(tmp_path, own_command())
    clock = FakeClock(now)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        code = main(["--data-dir", str(tmp_path), *args], clock=clock)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("login", "--local")
    assert code == 0, err
    assert "Signed in to http://127.0.0.1:" in out and "Demo project (Demo Client)" in out
    assert local.running() is None  # login started it, and stopped it when done
    demo = next(c for c in device.store.contracts() if c.marketplace_id)
    device.track(demo.id, "Landing page", now - timedelta(minutes=50), now - timedelta(minutes=30))
    status = json.loads(run("status", "--json")[1])
    assert status["local"] and status["waiting_records"] > 0
    assert "(the marketplace on this computer)" in run("status")[1]
    code, out, err = run("sync", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["receipted"] == status["waiting_records"] and report["refused_code"] is None
    assert local.running() is None
    status = json.loads(run("status", "--json")[1])
    assert (status["waiting_records"], status["waiting_screenshots"]) == (0, 0)
    # Another marketplace cannot take this chain: it holds the local marketplace's records.
    with running(tmp_path / "elsewhere", now) as elsewhere:
        monkeypatch.setattr("sys.stdin", io.StringIO("any password\n"))
        code = main(
            [
                "--data-dir",
                str(tmp_path),
                "login",
                elsewhere.url,
                "x@example.com",
                "--password-stdin",
            ],
            clock=clock,
        )
        err = capsys.readouterr().err
    assert code == 2 and "already holds records for the marketplace on this computer" in err
    assert json.loads(run("status", "--json")[1])["local"] is True  # nothing was changed
    # A marketplace in the same place with another receipt key is not trusted silently.
    pid_file = local.dir / SERVER_FILE
    for name in ("receipt-key.pem", "marketplace.sqlite3", "demo-logins.json"):
        (local.dir / name).unlink()
    code, out, err = run("login", "--local")
    assert code == 2 and "not with" in err and "--accept-new-key" in err
    assert json.loads(run("status", "--json")[1])["receipt_key"] == status["receipt_key"]
    code, out, err = run("login", "--local", "--accept-new-key")
    assert code == 0 and "It replaces the key pinned before" in out
    assert pid_file.exists() and local.running() is None
    device.close()


def test_login_without_a_keyring_says_to_sign_in_again(
    tmp_path: Path, no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sign-in is kept in the keyring: with none, the advice is to sign in again once it
    works, not to run another command."""
    code = main(["--data-dir", str(tmp_path), "login", "--local"])
    err = capsys.readouterr().err
    assert code == 3
    assert "no keyring is available" in err and "then sign in again" in err
    assert " sign." not in err and "sign again" not in err
    assert LocalMarketplace(tmp_path, own_command()).running() is None
