"""The signing runner: rounds in a separate process, coalesced, failures reported plainly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sync.autosign import SigningRunner
from sync.signing import SigningReport


def _command(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def test_requests_during_a_round_make_exactly_one_more_round(tmp_path: Path) -> None:
    log = tmp_path / "rounds"
    script = (
        "import json, time, pathlib\n"
        f"p = pathlib.Path({str(log)!r})\n"
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x')\n"
        "time.sleep(0.4)\n"
        "print(json.dumps({'signed': 1, 'waiting': 0, 'problem': None, 'notices': []}))\n"
    )
    reports: list[SigningReport] = []
    runner = SigningRunner(_command(script), reports.append)
    for _ in range(5):
        runner.request()
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
