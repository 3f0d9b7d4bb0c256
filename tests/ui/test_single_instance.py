"""A second launch for the same data dir reaches the running app through its private socket."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from ui.single_instance import InstanceServer, ask_running_app, socket_path


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
