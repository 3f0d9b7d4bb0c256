"""Running the real program as a subprocess and reading what it prints."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "main.py"


def offer_answered(data_dir: Path) -> Path:
    """A data dir whose first launch's offer of a marketplace was answered (Not now): no
    dialog takes the focus from the window a test types into."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "ui-state.ini").write_text("[marketplace]\noffered=true\n", encoding="utf-8")
    return data_dir


def cli(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), "--data-dir", str(data_dir), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def diary_json(data_dir: Path, *args: str) -> list[dict[str, Any]]:
    result = cli(data_dir, "diary", "--json", *args)
    assert result.returncode == 0, result.stderr
    segments: list[dict[str, Any]] = json.loads(result.stdout)
    return segments


class Tracker:
    """``main.py track`` in the background, its output lines in a queue."""

    def __init__(self, data_dir: Path, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(MAIN), "--data-dir", str(data_dir), "track", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line with {text!r}; output so far: {self.output}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.output.append(line)
            if text in line:
                return line

    def finish(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code


def seconds_into_minute() -> float:
    now = datetime.now(UTC)
    return now.second + now.microsecond / 1e6


def wait_for_minute_second(low: float, high: float, after: datetime | None = None) -> datetime:
    """Sleep until the wall clock is ``low`` to ``high`` seconds into a minute (later than ``after``)."""
    while True:
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        if low <= seconds_into_minute() <= high and (after is None or minute > after):
            return minute
        time.sleep(0.1)


def iso_minute(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:00Z")
