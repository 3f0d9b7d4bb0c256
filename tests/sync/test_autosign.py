"""The signing runner: rounds in a separate process, coalesced, failures reported plainly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from sync.autosign import SigningRunner
from sync.signing import SigningReport


def _command(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def test_requests_during_a_round_make_exactly_one_more_round(tmp_path: Path) -> None:
    """Round N waits at named pipe N until the test lets it finish: no sleeping."""
    log = tmp_path / "rounds"
    for n in (1, 2):
        os.mkfifo(tmp_path / f"gate{n}")
    script = (
        "import json, pathlib\n"
        f"log = pathlib.Path({str(log)!r})\n"
        "log.write_text((log.read_text() if log.exists() else '') + 'x')\n"
        "(log.parent / f'gate{len(log.read_text())}').read_text()\n"
        "print(json.dumps({'signed': 1, 'waiting': 0, 'problem': None, 'notices': []}))\n"
    )
    reports: list[SigningReport] = []
    runner = SigningRunner(_command(script), reports.append)
    for _ in range(5):  # the first starts a round; the others arrive while it runs
        runner.request()

    def let_rounds_finish() -> None:
        for n in (1, 2):  # blocks until round n opens its pipe, then lets it finish
            (tmp_path / f"gate{n}").write_text("go")

    opener = threading.Thread(target=let_rounds_finish, daemon=True)
    opener.start()
    opener.join(30)
    assert not opener.is_alive(), "the second round never started"
    assert runner.wait(30)
    assert log.read_text() == "xx"
    assert reports == [SigningReport(1, 0), SigningReport(1, 0)]


def test_a_failing_sign_command_is_reported_in_its_own_words() -> None:
    script = (
        "import sys; print('workdiary: The disk holding x is full.', file=sys.stderr); sys.exit(3)"
    )
    report = SigningRunner(_command(script), lambda report: None).run_once()
    assert report == SigningReport(0, -1, "The disk holding x is full.")


def test_the_sign_command_reports_as_json(data_dir: Path) -> None:
    """The real command, with no keyring: the tracker learns why records wait."""
    from tests.e2e.program import MAIN

    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(data_dir),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    command = [sys.executable, str(MAIN), "--data-dir", str(data_dir), "sign", "--json"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    report = SigningReport.from_json(json.loads(result.stdout))
    assert report.signed == 0 and report.problem and "no keyring is available" in report.problem
