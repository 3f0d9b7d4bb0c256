"""`serve` as an operator meets it: a clean stop on SIGINT and SIGTERM, and a plain reason
(never a traceback) when it cannot listen, or its data dir, clock file or demo cannot be used."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import START
from tests.marketplace.backend import Place
from tests.marketplace.server import ROOT, running


def serve(*args: str, place: Place | None = None) -> subprocess.CompletedProcess[str]:
    """serve run to its end (a refusal at start-up), on ``place``'s database and bucket if
    given (a Server's)."""
    extra = [] if place is None else place.serve_args()
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "serve", "--port", "0", *args, *extra],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=None if place is None else place.environment(dict(os.environ)),
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_server_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    with running(tmp_path / "data", START) as server:
        server.api().sign_up("a@example.com", "client")
        assert server.process is not None
        server.process.send_signal(stop)
        assert server.process.wait(timeout=20) == 0
    assert not (tmp_path / "data" / "marketplace.sqlite3-wal").exists()


def test_a_port_in_use_is_explained_and_nothing_is_made(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "serve",
                "--port",
                port,
                "--data",
                str(tmp_path / "data"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 3
    assert f"port {port} is in use by another program" in result.stderr
    assert not (tmp_path / "data").exists()


def test_an_unusable_data_dir_is_explained(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = serve("--data", str(afile))
    assert result.returncode == 3 and "is a file, not a folder" in result.stderr
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "marketplace.sqlite3").write_bytes(b"not a database at all" * 100)
    result = serve("--data", str(damaged))
    assert (
        result.returncode == 3 and "database" in result.stderr and "Traceback" not in result.stderr
    )
    (tmp_path / "badkey").mkdir()
    (tmp_path / "badkey" / "receipt-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nxx\n")
    result = serve("--data", str(tmp_path / "badkey"))
    assert (
        result.returncode == 3 and "receipt key" in result.stderr and "is damaged" in result.stderr
    )


def test_a_clock_file_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    result = serve("--data", str(tmp_path / "data"), "--clock-file", str(tmp_path / "none"))
    assert result.returncode == 2 and "clock file" in result.stderr


def test_demo_accounts_without_their_passwords_are_explained(tmp_path: Path) -> None:
    with running(tmp_path / "data", START, demo=True) as server:
        pass
    (tmp_path / "data" / "demo-logins.json").unlink()
    result = serve("--data", str(tmp_path / "data"), "--demo", place=server.place)
    assert result.returncode == 3 and "demo-logins.json" in result.stderr
