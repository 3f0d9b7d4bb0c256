"""Every hint names the program as the user started it: ``workdiary`` once installed (its name in
argv[0]) or what a launcher says (scripts/run sets WORKDIARY_PROGRAM), never ``python main.py``
then; and a settings.toml an earlier version wrote keeps working."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from tests.conftest import START
from tests.sync.conftest import without_keyring
from tests.tracker.helpers import at, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.settings import SETTINGS_FILE, Settings
from tracker.store import DATABASE_FILE, Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["launcher", "installed"])
def started_as_workdiary(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The program started as ``workdiary``: named so by a launcher, or by its own file name."""
    if request.param == "launcher":
        monkeypatch.setenv("WORKDIARY_PROGRAM", "workdiary")
    else:
        monkeypatch.delenv("WORKDIARY_PROGRAM", raising=False)
        monkeypatch.setattr(sys, "argv", ["/home/me/.local/bin/workdiary"])


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str]:
    try:
        code = main(["--data-dir", str(data_dir), *args], clock=FakeClock(START))
    except SystemExit as exit:  # argparse: --help, or a refused value
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def _track_unsigned(data_dir: Path) -> None:
    """Three closed segments on 2026-11-25 (week 2026-W48), not signed."""
    clock = FakeClock(START)
    store = Store(data_dir / DATABASE_FILE, clock)
    contract = store.add_contract("Website", "Acme", 4500, 0, False).id
    engine = Engine(
        clock, store, Settings(idle_policy="keep"), ActivityCounter(), rng=random.Random(3)
    )
    engine.start(contract, "Checkout page")
    run_until(engine, clock, at(10, 21, 10))
    engine.stop()
    store.close()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    with without_keyring():
        yield


@pytest.mark.usefixtures("started_as_workdiary")
@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("contract", "list"), "Add one: {program} contract add --title T"),
        (("diary", "--contract", "3"), "See them with: {program} contract list"),
        (("settings", "idle_minutes"), "Give a value too: {program} settings idle_minutes VALUE"),
    ],
)
def test_hints_name_the_installed_command(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: tuple[str, ...], hint: str
) -> None:
    _, output = run(capsys, data_dir, *args)
    assert hint.format(program=f"workdiary --data-dir {data_dir}") in output
    assert "main.py" not in output


@pytest.mark.usefixtures("started_as_workdiary", "no_keyring")
def test_the_sign_hint_names_the_installed_command(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, output = run(capsys, data_dir, "sign")
    assert code == 3
    assert f"then run workdiary --data-dir {data_dir} sign again." in output
    assert "main.py" not in output


@pytest.mark.usefixtures("started_as_workdiary", "no_keyring")
def test_the_hint_of_an_export_that_cannot_sign_names_the_installed_command(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    _track_unsigned(data_dir)
    out = str(data_dir.parent / "week.zip")
    code, output = run(capsys, data_dir, "export", "--week", "2026-W48", "-o", out)
    assert code == 3
    assert f"check with: workdiary --data-dir {data_dir} sign" in output
    assert "main.py" not in output


@pytest.mark.usefixtures("started_as_workdiary")
def test_usage_names_the_installed_command(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, output = run(capsys, data_dir, "--help")
    assert code == 0 and output.startswith("usage: workdiary ")


def _start_app(data_dir: Path, command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """The app with no display at all (and no XWayland): it must refuse, in words."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(data_dir), **env}
    return subprocess.run(
        [*command, "--data-dir", str(data_dir)],
        env=clean,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_the_no_display_error_names_the_launchers_command(data_dir: Path) -> None:
    result = _start_app(data_dir, [sys.executable, "main.py"], WORKDIARY_PROGRAM="workdiary")
    assert result.returncode == 3, result.stderr
    assert f"DISPLAY=:0 workdiary --data-dir {data_dir})" in result.stderr
    assert "main.py" not in result.stderr


def test_the_no_display_error_names_the_program_started_as_workdiary(
    data_dir: Path, tmp_path: Path
) -> None:
    """As installed: a file named workdiary starts the program (here a link to main.py)."""
    installed = tmp_path / "bin" / "workdiary"
    installed.parent.mkdir()
    installed.symlink_to(ROOT / "main.py")
    result = _start_app(data_dir, [sys.executable, str(installed)], PYTHONPATH=str(ROOT))
    assert result.returncode == 3, result.stderr
    assert f"DISPLAY=:0 workdiary --data-dir {data_dir})" in result.stderr
    assert "main.py" not in result.stderr


#: What settings.toml looked like when an earlier version wrote it.
EARLIER_SETTINGS = """\
# Workdiary settings. Change them with: python main.py settings KEY VALUE
screenshots_per_segment = 2
blur = true
monitors = "pointer"
idle_minutes = 15
idle_policy = "discard"
"""


def test_settings_an_earlier_version_wrote_keep_working(
    capsys: pytest.CaptureFixture[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKDIARY_PROGRAM", "workdiary")
    path = data_dir / SETTINGS_FILE
    path.write_text(EARLIER_SETTINGS, encoding="utf-8")
    code, output = run(capsys, data_dir, "settings")
    assert code == 0
    shown = {line.split()[0]: line.split()[1] for line in output.splitlines()}
    assert shown == {
        "screenshots_per_segment": "2",
        "blur": "true",
        "monitors": "pointer",
        "idle_minutes": "15",
        "idle_policy": "discard",
    }
    assert run(capsys, data_dir, "settings", "idle_minutes", "20") == (0, "idle_minutes = 20\n")
    written = path.read_text(encoding="utf-8")
    # Rewritten whole: the old header that named a command goes, every other value stays.
    assert "main.py" not in written
    assert written.splitlines()[1:] == [
        "screenshots_per_segment = 2",
        "blur = true",
        'monitors = "pointer"',
        "idle_minutes = 20",
        'idle_policy = "discard"',
    ]
