"""workdiary --self-test, run as the program: every step ok on a real X display with the test
command's keyring, what it synced as the marketplace's client receives it, and the reasons, with
nothing left behind, where the display or the keyring is missing."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from cli.main import main
from cli.self_test import STEPS, first_minute
from composition import own_command
from diary.bundle import verify_bundle
from diary.bundle_writer import week_label
from diary.times import week_start
from sync.local_marketplace import LocalMarketplace
from sync.marketplace_client import MarketplaceClient
from tests.sync.conftest import require_keyring
from tests.xvfb import Xvfb
from tracker.clock import SystemClock
from tracker.store import DATABASE_FILE, Store

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "main.py"
NAMES = [step.name for step in STEPS]
#: Environment that points a program at a keyring: without it there is none.
KEYRING_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL")


def self_test(env: dict[str, str], tmp_path: Path) -> tuple[int, dict[str, str], str]:
    """Run the program's self-test; its exit code, each step's result by name, and its output.
    Its temporary data dir goes in ``tmp_path``; the user's data dir would be ``tmp_path/user``."""
    env = {**env, "TMPDIR": str(tmp_path), "WORKDIARY_DATA_DIR": str(tmp_path / "user")}
    done = subprocess.run(
        [sys.executable, str(MAIN), "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    output = done.stdout + done.stderr
    results = dict(re.findall(r"^  (\S+) \.+ (.*)$", done.stdout, re.MULTILINE))
    assert list(results) == NAMES, output
    return done.returncode, results, output


def left_in(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("workdiary-self-test-*"))


def keyring_entries() -> set[str]:
    """The names of Workdiary's entries in the test command's keyring."""
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        found = collection.search_items({"service": "workdiary"})
        return {item.get_attributes()["username"] for item in found}
    finally:
        connection.close()


def pointer(xserver: Xvfb) -> str:
    found = subprocess.run(
        ["xdotool", "getmouselocation"], env=xserver.env(), capture_output=True, text=True
    )
    return found.stdout.split(" screen")[0]


@pytest.mark.e2e
@pytest.mark.x11
def test_every_step_passes_on_an_x_display_with_a_keyring(xserver: Xvfb, tmp_path: Path) -> None:
    require_keyring()
    before, where = keyring_entries(), pointer(xserver)
    code, results, output = self_test(xserver.env(), tmp_path)
    assert code == 0, output
    assert all(result.startswith("ok (") for result in results.values()), output
    assert results["display"] == f"ok ({xserver.display}, 1920x1080)"
    assert "SecretService" in results["keyring"]
    assert results["sign-in"].startswith("ok (as its demo freelancer freelancer@demo.workdiary")
    assert results["sign-in"].endswith("its contract 'Demo project' cached)")
    # The synthetic input reached the listeners exactly, through the X server, on the
    # marketplace's contract, as a freelancer's is.
    assert "3 Shift taps and 10 pointer moves made through XTEST, counted exactly" in output
    assert results["input"].endswith("on the marketplace's contract 'Demo project')")
    assert results["screenshot"].startswith("ok (1280x720 JPEG of the 1920x1080 screen")
    assert results["verify"] == (
        "ok (a bundle of 2 records and 1 screenshot of 'Demo project' with Demo Client "
        "verifies: 2 min)"
    )
    # Uploaded with its details and its screenshot file: the marketplace protects it.
    assert results["sync"] == (
        "ok (2 records receipted and 1 screenshot uploaded; the marketplace counts the "
        "segment's 2 min as protected: it holds its details and screenshot)"
    )
    assert re.search(r"Self-test passed: all 11 steps ok, in \d+\.\d s\.", output)
    # Nothing is left: the data dir, the keyring's entries, the server, the pointer's move.
    assert left_in(tmp_path) == [] and not (tmp_path / "user").exists()
    assert keyring_entries() == before
    url = re.search(r"http://127\.0\.0\.1:(\d+)", results["marketplace"])
    assert url is not None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(url.group(1))), timeout=2).close()
    assert pointer(xserver) == where
    assert "python main.py" not in output


@pytest.mark.e2e
@pytest.mark.x11
def test_the_client_receives_the_segment_with_its_details_and_screenshot(
    xserver: Xvfb,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What the sync step sent, seen from the other side: the self-test runs (in this process,
    with the removal of its data dir held back), then its marketplace is started again on what it
    kept and the demo client fetches the week, whose bundle verifies with the segment, its
    screenshot file and the receipts."""
    require_keyring()
    monkeypatch.setenv("DISPLAY", xserver.display)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("WORKDIARY_DATA_DIR", str(tmp_path / "user"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr("cli.self_test.shutil", SimpleNamespace(rmtree=lambda *a, **k: None))
    code = main(["--self-test"])
    output = capsys.readouterr().out
    assert code == 0, output
    (kept,) = left_in(tmp_path)
    store = Store(kept / DATABASE_FILE, SystemClock())
    try:
        now = datetime.now(UTC)
        (segment,) = store.segments_between(now - timedelta(hours=1), now)
    finally:
        store.close()
    local = LocalMarketplace(kept, own_command())
    server = local.start()
    try:
        client = MarketplaceClient(server.url)
        client.login(*local.demo_login("client"))
        week = week_label(week_start(segment.start))
        (tmp_path / "week.zip").write_bytes(client.week_bundle(local.demo_contract(), week))
    finally:
        server.stop()
    verdict = verify_bundle(tmp_path / "week.zip")
    assert verdict.ok, verdict.failures
    assert verdict.verified_segments == {segment.id}
    assert verdict.screenshots == 1  # the file, from the marketplace's store
    assert verdict.seconds == {(local.demo_contract(), f"{segment.start:%Y-%m-%d}"): 120}
    assert verdict.receipted == verdict.records == 2


@pytest.mark.parametrize(
    ("session", "reason"),
    [
        ({}, "No display: activity counts and screenshots need an X11 session"),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "This is a Wayland session."),
    ],
)
def test_without_an_x_display_it_says_why_and_leaves_nothing(
    tmp_path: Path, session: dict[str, str], reason: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    code, results, output = self_test({**env, **session}, tmp_path)
    assert code == 3, output
    assert results["display"].startswith(f"FAILED: {reason}")
    for name in NAMES[1:-1]:
        assert results[name] == "skipped: needs the X display"
    assert results["clean-up"] == "ok (nothing of the self-test's is in the keyring)"
    assert "Self-test FAILED (display)" in output and "kept" not in output
    assert left_in(tmp_path) == [] and not (tmp_path / "user").exists()


@pytest.mark.e2e
@pytest.mark.x11
def test_without_a_keyring_it_names_the_reason_and_keeps_its_data_dir(
    xserver: Xvfb, tmp_path: Path
) -> None:
    env = {k: v for k, v in xserver.env().items() if k not in KEYRING_VARIABLES}
    code, results, output = self_test({**env, "DBUS_SESSION_BUS_ADDRESS": "disabled:"}, tmp_path)
    assert code == 3, output
    assert results["keyring"].startswith(
        "FAILED: Could not store the device key in the system keyring (no keyring is available)."
    )
    assert results["keyring"].endswith("Install or unlock one, then run the self-test again.")
    # What needs no keyring still runs; what needs the device key or the sign-in does not.
    for name in ("display", "input", "screenshot", "marketplace", "stop", "clean-up"):
        assert results[name].startswith("ok ("), output
    # Not signed in, the minute is recorded all the same, on a contract of the data dir's own.
    assert results["input"].endswith("on a contract of this computer's own)")
    assert results["signing"] == "skipped: there is no device key in the keyring to sign with"
    assert results["verify"] == "skipped: nothing was signed"
    assert results["sign-in"].startswith("skipped: the sign-in is kept in the system keyring")
    assert results["sync"] == "skipped: not signed in to the marketplace"
    assert "Self-test FAILED (keyring); 4 step(s) skipped" in output
    # Its data dir is kept for a report, with the log and the recording.
    (kept,) = left_in(tmp_path)
    assert f"Its data dir is kept, to send with a report: {kept} " in output
    assert (kept / "workdiary.log").is_file() and (kept / "workdiary.db").is_file()


def test_it_takes_no_command_or_data_dir(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--self-test", "diary"], ["--self-test", "--data-dir", "x"]):
        with pytest.raises(SystemExit) as exit:
            main(args)
        assert exit.value.code == 2
        assert "--self-test works in a temporary data dir of its own" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("now", "start"),
    [
        ("10:05:30", "10:03"),  # two minutes just past
        ("10:10:30", "10:08"),  # ending at the segment's end
        ("10:11:10", "10:08"),  # not across a segment's end: an earlier minute instead
    ],
)
def test_its_two_minutes_are_past_and_in_one_segment(now: str, start: str) -> None:
    moment = datetime.fromisoformat(f"2026-11-25T{now}+00:00")
    assert first_minute(moment) == datetime.fromisoformat(f"2026-11-25T{start}:00+00:00")
