"""The command line loads what a command needs: no Qt, keyring or input library to start, and
the all-day tracker never the keyring or the private key (it signs in a process of its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

PROGRAM = """
import json, sys
import cli.main
parser = cli.main.build_parser()
print(json.dumps(sorted(sys.modules)))
"""


def test_the_command_line_starts_without_qt_or_the_keyring() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout)
    loaded = {m.split(".")[0] for m in modules}
    assert {"cli", "composition", "tracker"} <= loaded
    assert loaded.isdisjoint(
        {"PySide6", "shiboken6", "keyring", "cryptography", "pynput", "mss", "PIL", "app"}
    )
    assert "sync.keys" not in modules and "sync.signer" not in modules


APP = """
import json, sys
import app, ui.main_window, ui.diary_view, ui.marketplace_session, ui.sync_panel
import ui.signin_dialog, ui.signing_status, ui.timesheet_view
import ui.client_window, ui.review_launcher, ui.review_view, ui.review_source
print(json.dumps(sorted(sys.modules)))
"""


def test_the_app_loads_no_http_client_keyring_or_cryptography() -> None:
    """The app runs all day: signing in, signing and sync are commands it starts, and the
    diary's sync signs come from the database."""
    result = subprocess.run(
        [sys.executable, "-c", APP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    loaded = {m.split(".")[0] for m in json.loads(result.stdout)}
    assert {"app", "ui", "PySide6", "sync"} <= loaded
    assert loaded.isdisjoint({"requests", "urllib3", "keyring", "cryptography", "fastapi"})
