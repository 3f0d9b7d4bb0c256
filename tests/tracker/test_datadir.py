"""The data dir: where it is, whether it can be written, and one tracker at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.messages import explain
from tracker.datadir import ENV_VAR, TrackerLock, prepare_data_dir, resolve_data_dir
from tracker.errors import AlreadyRunning, DataDirUnusable


def test_explicit_dir_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert resolve_data_dir(str(tmp_path / "flag")) == tmp_path / "flag"
    assert resolve_data_dir(None) == tmp_path / "env"


def test_default_is_the_platform_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir(None) == tmp_path / "xdg" / "workdiary"


def test_unwritable_data_dir_is_explained(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(DataDirUnusable, match="cannot be written") as caught:
        prepare_data_dir(blocker / "data")
    # The engine states the facts; the command line says what to do there.
    assert caught.value.code == "data-dir-unusable" and "--" not in str(caught.value)
    assert "--data-dir" in explain(caught.value)


def test_second_lock_is_refused_with_the_owner(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, threading; from pathlib import Path; from tracker.datadir import TrackerLock;"
            "lock = TrackerLock(Path(sys.argv[1])); lock.acquire(); print('held', flush=True);"
            "threading.Event().wait(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning, match=f"pid {holder.pid}"):
            TrackerLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    with TrackerLock(tmp_path):  # the dead holder's lock went with it
        pass
