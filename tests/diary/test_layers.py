"""The protocol package stands alone: what importing and using it loads, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
VALID = ROOT / "tests" / "vectors" / "bundles" / "valid"

#: Importing every module of the package, then verifying a bundle with it.
PROGRAM = """
import importlib, json, pkgutil, sys, zipfile
from pathlib import Path
import diary
for module in pkgutil.iter_modules(diary.__path__):
    importlib.import_module(f"diary.{module.name}")
from diary.bundle import verify_bundle
source, target = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(target, "w") as bundle:
    for path in sorted(source.rglob("*")):
        if path.is_file():
            bundle.write(path, str(path.relative_to(source)))
assert verify_bundle(target).ok
print(json.dumps(sorted(sys.modules)))
"""

FORBIDDEN = ("tracker", "sync", "ui", "app", "main", "cli", "sqlite3", "_sqlite3", "keyring",
             "PySide6", "shiboken6", "pynput", "mss", "PIL", "requests")  # fmt: skip


def test_the_protocol_package_loads_nothing_of_the_desktop(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(VALID), str(tmp_path / "valid.zip")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout)
    assert "diary.verify" in loaded and "cryptography" in loaded and "rfc8785" in loaded
    found = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert found == []
