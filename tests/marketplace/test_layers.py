"""The marketplace stands apart from the desktop: what building its app loads, in a fresh
interpreter (the import-linter contract in pyproject.toml holds the same for the source)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

#: Importing every module of the package, then making the app on a fresh data dir.
PROGRAM = """
import importlib, json, pkgutil, sys, tempfile
from pathlib import Path
import marketplace
for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
    importlib.import_module(module.name)
from marketplace.app import create_app
from marketplace.clock import SystemClock
from marketplace.service import open_marketplace
market = open_marketplace(Path(tempfile.mkdtemp()) / "data", SystemClock())
assert create_app(market).openapi()["openapi"].startswith("3.1")
market.close()
print(json.dumps(sorted(sys.modules)))
"""

FORBIDDEN = ("tracker", "sync", "ui", "app", "main", "cli", "composition", "keyring", "PySide6",
             "shiboken6", "pynput", "mss", "PIL", "requests")  # fmt: skip


def test_the_marketplace_loads_nothing_of_the_desktop() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    assert "marketplace.ingest" in loaded and "diary.extension" in loaded and "fastapi" in loaded
    found = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert found == []
