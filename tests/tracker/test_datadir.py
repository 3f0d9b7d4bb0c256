"""The data dir: where it is, whether it can be written, and one tracker at a time."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
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


def test_the_data_dir_and_its_files_are_private(tmp_path: Path) -> None:
    """Under the usual umask 022 too: the command line sets its own."""
    old = os.umask(0o022)
    try:
        data_dir = tmp_path / "data"
        assert main(["--data-dir", str(data_dir), "contract", "list"]) == 0
        assert main(["--data-dir", str(data_dir), "settings", "blur", "true"]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"workdiary.db", "workdiary.log", "settings.toml"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}


def test_an_earlier_versions_readable_data_dir_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shots = data_dir / "screenshots" / "ab"
    shots.mkdir(parents=True)
    for path in (data_dir / "workdiary.db", shots / "ab12.jpg", data_dir / "workdiary.log"):
        path.write_bytes(b"x")
        path.chmod(0o644)
    for folder in (data_dir, data_dir / "screenshots", shots):
        folder.chmod(0o755)
    prepare_data_dir(data_dir)
    for folder in (data_dir, data_dir / "screenshots", shots):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in data_dir.rglob("*.*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_readable_folder_inside_a_private_data_dir_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    thumbs = data_dir / "thumbnails"
    thumbs.mkdir(parents=True)
    (thumbs / "t.jpg").write_bytes(b"x")
    (thumbs / "t.jpg").chmod(0o644)
    thumbs.chmod(0o755)
    data_dir.chmod(0o700)
    prepare_data_dir(data_dir)
    assert stat.S_IMODE(thumbs.stat().st_mode) == 0o700
    assert stat.S_IMODE((thumbs / "t.jpg").stat().st_mode) == 0o600


def test_a_file_given_as_the_data_dir_is_explained(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("x")
    with pytest.raises(DataDirUnusable, match="is a file, not a folder"):
        prepare_data_dir(file)


def test_an_empty_data_dir_option_is_refused() -> None:
    with pytest.raises(DataDirUnusable, match="empty"):
        resolve_data_dir("")
