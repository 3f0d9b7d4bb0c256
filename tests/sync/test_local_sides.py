"""Both sides on one computer: the demo client's and mediator's data dirs share the freelancer's
marketplace on this computer (its folder, its start lock, its running server), each signed in as
its own demo account with `--side ROLE login --local` (or `login --local --as ROLE`)."""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from composition import own_command
from diary.bundle_writer import week_label
from diary.times import week_start
from sync.local_marketplace import (
    SERVER_FILE,
    LocalMarketplace,
    SideNotShared,
    side_data_dir,
)
from tests.marketplace.device import RecordingDevice
from tests.sync.conftest import ForgettingVault
from tracker.clock import FakeClock


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o700


def _stop_left_over(local: LocalMarketplace) -> None:
    """A test that failed half-way leaves no server behind."""
    try:
        pid = int(json.loads((local.dir / SERVER_FILE).read_text())["pid"])
    except OSError:
        return
    if local.running() is not None:
        os.kill(pid, signal.SIGKILL)


def test_a_side_shares_the_folder_the_lock_and_the_server(tmp_path: Path) -> None:
    side = side_data_dir(tmp_path, "client")
    assert side == tmp_path / "sides" / "client"
    assert all(_private(p) for p in (side, side.parent, tmp_path / "marketplace"))
    assert os.readlink(side / "marketplace") == os.path.join("..", "..", "marketplace")
    assert side_data_dir(tmp_path, "client") == side  # made once, found after
    with (
        (tmp_path / "marketplace" / "start.lock").open("a") as mine,
        (side / "marketplace" / "start.lock").open("a") as theirs,
    ):
        fcntl.flock(mine, fcntl.LOCK_EX)
        with pytest.raises(BlockingIOError):  # one starter at a time, through the link too
            fcntl.flock(theirs, fcntl.LOCK_EX | fcntl.LOCK_NB)
    own = LocalMarketplace(tmp_path, own_command())
    try:
        server = LocalMarketplace(side, own_command()).start()  # none ran: the side starts it
        assert server.process is not None
        written = json.loads((tmp_path / "marketplace" / SERVER_FILE).read_text())
        assert written == {"pid": server.process.pid, "url": server.url}
        found = own.start()
        assert found.process is None and found.url == server.url
        assert own.demo_login("client") == LocalMarketplace(side, own_command()).demo_login(
            "client"
        )
        server.stop()
        assert own.running() is None
    finally:
        _stop_left_over(own)
    (tmp_path / "sides" / "mediator" / "marketplace").mkdir(parents=True)
    with pytest.raises(SideNotShared, match="is not a link to"):
        side_data_dir(tmp_path, "mediator")  # a marketplace of its own would not be the shared one


class _Commands:
    """The command line in this process, on one data dir, as a user types it."""

    def __init__(
        self,
        data_dir: Path,
        clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.data_dir, self.clock = data_dir, clock
        self.monkeypatch, self.capsys = monkeypatch, capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(""))
        code = main(["--data-dir", str(self.data_dir), *args], clock=self.clock)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)


def test_the_client_and_the_mediator_sign_in_on_sides_of_the_freelancers_marketplace(
    data_dir: Path,
    keyring_vault: ForgettingVault,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    device = RecordingDevice(data_dir, now - timedelta(hours=1))
    local = LocalMarketplace(data_dir, own_command())
    commands = _Commands(data_dir, FakeClock(now), monkeypatch, capsys)
    try:
        code, out, err = commands.run("login", "--local")
        assert code == 0, err
        assert "as freelancer@demo.workdiary, the demo freelancer of the marketplace" in out
        demo = next(c for c in device.store.contracts() if c.marketplace_id)
        start = now - timedelta(minutes=50)
        device.track(demo.id, "Landing page", start, now - timedelta(minutes=30))
        assert commands.run("sync")[0] == 0
        contract, week = local.demo_contract(), week_label(week_start(start))
        freelancer = commands.json("status")

        # The freelancer's diary stays the freelancer's: the client signs in on a side.
        code, out, err = commands.run("login", "--local", "--as", "client")
        assert code == 2 and "holds a work diary" in err
        assert f"--data-dir {data_dir} --side client login --local" in err
        assert commands.json("status")["role"] == "freelancer"

        code, out, err = commands.run("--side", "client", "login", "--local")
        assert code == 0, err
        assert "as client@demo.workdiary, the demo client of the marketplace" in out
        assert f"--side client review --contract {contract} (another with --week" in out
        # That command works as given: the demo contract began this week, its latest.
        code, reviewed, err = commands.run("--side", "client", "review", "--contract", contract)
        assert code == 0, err
        assert "Week " in reviewed and ": open; amount" in reviewed
        client = commands.json("--side", "client", "status")
        assert (client["role"], client["local"]) == ("client", True)
        assert client["receipt_key"] == freelancer["receipt_key"]  # the same marketplace
        shown = commands.run("--side", "client", "status")[1]
        assert "as client@demo.workdiary, its demo client." in shown
        found = commands.json("--side", "client", "review", "--contract", contract, "--week", week)
        assert found["ok"] and found["week"]["state"] == "open"
        assert {s["id"] for s in found["segments"]} == {
            s.id for s in device.store.segments_between(start, now, demo.id)
        }

        code, out, err = commands.run("--side", "client", "login", "--local", "--as", "mediator")
        assert code == 2 and "--side mediator" in err  # a side is one account
        code, out, err = commands.run("--side", "mediator", "login", "--local", "--as", "mediator")
        assert code == 0, err
        assert "as mediator@demo.workdiary, the demo mediator" in out and "mediate --dispute" in out
        mediator = commands.json("--side", "mediator", "status")
        assert mediator["role"] == "mediator" and mediator["receipt_key"] == client["receipt_key"]
        # Signed in there (the marketplace knows the token): a mediator sees no undisputed week.
        code, out, err = commands.run("--side", "mediator", "review", "--contract", contract)
        assert code == 3 and "That contract does not exist, or is not yours to see." in err

        code, out, err = commands.run(
            "login", "http://127.0.0.1:1", "x@example.com", "--as", "client"
        )
        assert code == 2 and "use it with --local" in err
        assert local.running() is None  # each command stopped the server it started
        assert json.loads(
            (data_dir / "sides" / "client" / "marketplace" / SERVER_FILE).read_text()
        ) == json.loads((local.dir / SERVER_FILE).read_text())
    finally:
        _stop_left_over(local)
        device.close()


def test_the_app_on_a_side_not_yet_signed_in_signs_it_in_as_that_side(
    data_dir: Path, keyring_vault: ForgettingVault, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """`--side client` with no sign-in of the side yet: the app signs it in as the demo client
    first (never as the freelancer the sign-in offer would), then opens the review window."""
    from app import _sign_in_side
    from composition import Composition

    now = datetime.now(UTC).replace(microsecond=0)
    local = LocalMarketplace(data_dir, own_command())
    commands = _Commands(data_dir, FakeClock(now), monkeypatch, capsys)
    try:
        assert commands.run("login", "--local")[0] == 0
        side = side_data_dir(data_dir, "client")
        _sign_in_side(Composition(side, FakeClock(now)), "client")
        status = commands.json("--side", "client", "status")
        assert (status["role"], status["local"]) == ("client", True)
        _sign_in_side(Composition(side, FakeClock(now)), "client")  # signed in: nothing to do
    finally:
        _stop_left_over(local)
