"""The whole program on a real X server: real input from xdotool, real screenshots, real crashes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.e2e.program import (
    Tracker,
    cli,
    diary_json,
    iso_minute,
    wait_for_minute_second,
)
from tests.xvfb import COLOUR, Xvfb

pytestmark = [pytest.mark.e2e, pytest.mark.x11]


@pytest.fixture
def x(own_xserver: Xvfb) -> Xvfb:
    return own_xserver


@pytest.fixture
def colour_window(x: Xvfb) -> Iterator[None]:
    with x.colour_window():
        yield


@pytest.fixture
def contract(data_dir: Path) -> str:
    result = cli(
        data_dir,
        "contract",
        "add",
        "--title",
        "Website",
        "--client",
        "Acme",
        "--rate",
        "45.00",
        "--weekly-limit",
        "40",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def send_input(x: Xvfb, keys: int, clicks: int, scrolls: int, moves: int, offset: int) -> None:
    letters = "abcdefghijklmnopqrstuvwxyz" * 4
    x.xdotool("type", "--delay", "8", letters[:keys])
    x.xdotool("click", "--repeat", str(clicks), "--delay", "8", "1")
    x.xdotool("click", "--repeat", str(scrolls), "--delay", "8", "5")
    chain: list[str] = []
    for i in range(moves):
        chain += ["mousemove", str(300 + offset + 5 * i), str(300 + 3 * i)]
    x.xdotool(*chain)


def counts(minute: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return (
        minute["keys"],
        minute["clicks"],
        minute["scrolls"],
        minute["moves"],
        minute["injected"],
    )


def test_real_input_is_counted_minute_by_minute(
    x: Xvfb, colour_window: None, data_dir: Path, contract: str
) -> None:
    x.xdotool("mousemove", "1700", "1000")  # park the pointer off the window first
    tracker = Tracker(data_dir, x.env(), "--contract", contract, "--memo", "Checkout page")
    tracker.wait_for("Counting input now.")
    first = wait_for_minute_second(2, 40)
    send_input(x, keys=40, clicks=12, scrolls=5, moves=30, offset=0)
    tracker.wait_for("Screenshot taken")
    second = wait_for_minute_second(3, 40, after=first)
    send_input(x, keys=17, clicks=3, scrolls=2, moves=9, offset=100)
    tracker.process.send_signal(signal.SIGINT)
    assert tracker.finish() == 0, tracker.output
    assert any(line.endswith(" Stopped.") for line in tracker.output)
    assert any(line.startswith("Tracked ") for line in tracker.output)

    segments = diary_json(data_dir)
    minutes = {m["start"]: m for s in segments for m in s["minutes"]}
    assert counts(minutes[iso_minute(first)]) == (40, 12, 5, 30, 0)
    assert counts(minutes[iso_minute(second)]) == (17, 3, 2, 9, 0)
    others = [
        m for start, m in minutes.items() if start not in (iso_minute(first), iso_minute(second))
    ]
    assert all(counts(m) == (0, 0, 0, 0, 0) for m in others)
    assert sum(s["active_minutes"] for s in segments) == 2
    assert all(s["state"] == "tracked" and s["memo"] == "Checkout page" for s in segments)

    shot = segments[0]["screenshot"]
    assert shot is not None and shot["missing_reason"] is None
    image = Image.open(shot["path"])
    assert image.format == "JPEG"
    image.load()
    scale = shot["width"] / 1920
    inside = image.getpixel((int(600 * scale), int(450 * scale)))
    assert all(abs(a - b) <= 12 for a, b in zip(inside, COLOUR, strict=True)), inside  # type: ignore[arg-type]
    outside = image.getpixel((int(1500 * scale), int(300 * scale)))
    assert sum(outside) < 30, outside  # type: ignore[arg-type]


def test_kill_9_loses_at_most_the_current_minute(x: Xvfb, data_dir: Path, contract: str) -> None:
    tracker = Tracker(data_dir, x.env(), "--contract", contract, "--memo", "Crash test")
    tracker.wait_for("Counting input now.")
    before = wait_for_minute_second(1, 45)
    while before.minute % 10 == 9:
        # The kill must land inside the segment: one that has just rolled into a new slot is
        # stored with its first minute, so a kill in that minute leaves nothing open to recover.
        before = wait_for_minute_second(1, 45, after=before)
    send_input(x, keys=11, clicks=2, scrolls=1, moves=4, offset=0)
    wait_for_minute_second(3, 50, after=before)  # the minute with input ended: it is committed
    tracker.process.send_signal(signal.SIGKILL)
    tracker.finish()

    database = data_dir / "workdiary.db"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    segments = diary_json(data_dir)
    assert segments and segments[-1]["open"] is True
    minutes = {m["start"]: m for s in segments for m in s["minutes"]}
    assert counts(minutes[iso_minute(before)]) == (11, 2, 1, 4, 0)

    again = Tracker(data_dir, x.env(), "--contract", contract, "--memo", "After", "--for", "0.05")
    assert again.finish() == 0, again.output
    assert any("left open by an unexpected stop" in line for line in again.output)
    segments = diary_json(data_dir)
    assert not any(s["open"] for s in segments)
    recovered = [s for s in segments if s["memo"] == "Crash test"][-1]
    last_minute = datetime.fromisoformat(recovered["minutes"][-1]["start"])
    end = datetime.fromisoformat(recovered["end"])
    assert last_minute < end <= last_minute + timedelta(minutes=1)
    assert all(datetime.fromisoformat(s["taken_at"]) <= end for s in recovered["screenshots"])
    minutes = {m["start"]: m for s in segments for m in s["minutes"]}
    assert counts(minutes[iso_minute(before)]) == (11, 2, 1, 4, 0)
    # What recovery closed verifies, whenever the process died (a keyring signs it here).
    bundle = data_dir.parent / "week.zip"
    exported = cli(data_dir, "export", "-o", str(bundle), env=x.env())
    assert exported.returncode == 0, exported.stderr
    verified = cli(data_dir, "verify", str(bundle))
    assert verified.returncode == 0, verified.stdout


def test_second_tracker_is_refused_and_sigterm_stops_cleanly(
    x: Xvfb, data_dir: Path, contract: str
) -> None:
    first = Tracker(data_dir, x.env(), "--contract", contract, "--memo", "First")
    first.wait_for("Counting input now.")
    second = cli(data_dir, "track", "--contract", contract, "--memo", "Second", env=x.env())
    assert second.returncode == 3
    assert (
        f"Another tracker is already running for {data_dir} (pid {first.process.pid})"
        in second.stderr
    )
    first.wait_for("Screenshot taken")  # a second or more has been tracked by now
    first.process.send_signal(signal.SIGTERM)
    assert first.finish() == 0, first.output
    assert [s["memo"] for s in diary_json(data_dir)] == ["First"]


def test_corrupt_database_is_refused_and_kept(x: Xvfb, data_dir: Path) -> None:
    database = data_dir / "workdiary.db"
    garbage = os.urandom(8192)
    database.write_bytes(garbage)
    for args in (("diary",), ("track", "--contract", "1", "--memo", "m"), ("contract", "list")):
        result = cli(data_dir, *args, env=x.env())
        assert result.returncode == 3, result
        assert f"The database {database} is damaged" in result.stderr
        assert "left untouched" in result.stderr
    assert database.read_bytes() == garbage
    copies = list(data_dir.glob("workdiary.db.corrupt-*"))
    assert copies and all(c.read_bytes() == garbage for c in copies)


@pytest.mark.parametrize(
    ("session", "message"),
    [
        ({}, "activity counts and screenshots need an X11 session, and DISPLAY is not set"),
        (
            {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
            "This is a Wayland session",
        ),
    ],
)
def test_no_x11_session_is_explained_and_records_nothing(
    data_dir: Path, contract: str, session: dict[str, str], message: str
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")
    }
    env.update(session)
    result = cli(data_dir, "track", "--contract", contract, "--memo", "m", env=env)
    assert result.returncode == 3
    assert message in result.stderr
    assert diary_json(data_dir) == []


def test_version_and_diary_need_no_display(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    version = subprocess.run(
        [sys.executable, "main.py", "--version"],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert version.stdout.startswith("workdiary ")
    assert cli(data_dir, "diary", env=env).returncode == 0


def test_a_runs_hints_name_the_command_as_started(x: Xvfb, data_dir: Path, contract: str) -> None:
    """What a run suggests (the idle policy, signing, the diary) is typed as the user runs
    Workdiary: here as a launcher named it, without a keyring, with the default idle policy."""
    env = x.env(
        WORKDIARY_PROGRAM="workdiary", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"
    )
    tracker = Tracker(data_dir, env, "--contract", contract, "--memo", "Hints", "--for", "0.02")
    assert tracker.finish() == 0, tracker.output
    output = "\n".join(tracker.output)
    program = f"workdiary --data-dir {data_dir}"
    assert f"will be discarded. Change it with: {program} settings idle_policy keep" in output
    assert f"Install or unlock one and run: {program} sign." in output  # "Not signed yet: ..."
    assert f"See it with: {program} diary" in output
    assert "main.py" not in output
