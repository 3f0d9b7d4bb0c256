"""The bundle installer/build makes, built once per test run, or again when a source file,
the spec or the build script is newer than it."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "installer" / "dist"
PROGRAM = DIST / "workdiary" / "workdiary"
#: What the bundle is made of: a change to any of these makes it stale.
SOURCES = ("main.py", "app.py", "composition.py", "pyproject.toml", "assets", "installer")
PACKAGES = ("cli", "diary", "marketplace", "review", "sync", "tracker", "ui")


def _newest_source() -> float:
    files = [ROOT / name for name in SOURCES if (ROOT / name).is_file()]
    for folder in (*PACKAGES, "assets", "installer"):
        for path in (ROOT / folder).rglob("*"):
            inside = path.relative_to(ROOT).parts
            if path.is_file() and not {"dist", "work", "__pycache__"} & set(inside):
                files.append(path)
    return max(p.stat().st_mtime for p in files)


@functools.cache
def built_bundle() -> Path:
    """The built program, built now unless an up-to-date one is there."""
    if not PROGRAM.exists() or PROGRAM.stat().st_mtime < _newest_source():
        built = subprocess.run(
            [str(ROOT / "installer" / "build")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    return PROGRAM


def archive() -> Path:
    """The packed bundle that was built with the program."""
    built_bundle()
    found = sorted(DIST.glob("workdiary-*-linux-x86_64.tar.gz"))
    assert found, f"no workdiary-*.tar.gz in {DIST}"
    return found[-1]
