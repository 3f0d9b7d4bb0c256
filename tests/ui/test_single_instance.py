"""A second launch for the same data dir reaches the running app through its private socket."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from cli.main import main
from tracker.datadir import TrackerLock
from ui.single_instance import QUIT, InstanceServer, ask_running_app, socket_path


def test_a_second_launch_asks_the_running_app_to_show_itself(
    qtbot: QtBot, data_dir: Path, tmp_path: Path
) -> None:
    server = InstanceServer(data_dir)
    assert server.listen()
    try:
        folder = socket_path(data_dir).parent
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0  # no other user gets in
        answers: list[bool] = []
        with qtbot.waitSignal(server.show_requested, timeout=5000):
            # The second launch waits for the answer; the event loop must run meanwhile.
            thread = threading.Thread(target=lambda: answers.append(ask_running_app(data_dir)))
            thread.start()
        thread.join(5)
        assert answers == [True]
        other = tmp_path / "another-data-dir"
        other.mkdir()
        assert not ask_running_app(other)  # nobody runs for that one
    finally:
        server.close()
    assert not socket_path(data_dir).exists()
    assert not ask_running_app(data_dir)


def test_quit_asks_the_running_app_to_quit(qtbot: QtBot, data_dir: Path) -> None:
    server = InstanceServer(data_dir)
    assert server.listen()
    try:
        answers: list[bool] = []
        with (
            qtbot.waitSignal(server.quit_requested, timeout=5000),
            qtbot.assertNotEmitted(server.show_requested),
        ):
            thread = threading.Thread(
                target=lambda: answers.append(ask_running_app(data_dir, QUIT))
            )
            thread.start()
        thread.join(5)
        assert answers == [True]
    finally:
        server.close()


def test_quit_with_no_app_running_says_so(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    assert main(["--data-dir", str(data_dir), "--quit"]) == 1
    assert "Workdiary is not running for" in capsys.readouterr().err
    with TrackerLock(data_dir):  # a tracker in a terminal has no socket to ask
        assert main(["--data-dir", str(data_dir), "--quit"]) == 1
    assert "It is not the app: stop it with Ctrl+C." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--data-dir", str(data_dir), "--quit", "diary"])
    assert "--quit asks the running app to quit; it takes no command" in capsys.readouterr().err
