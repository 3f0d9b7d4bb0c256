"""desktop-file-validate on a desktop entry: every error and warning fails the test."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

VALIDATOR = "desktop-file-validate"


def validate(*paths: Path) -> None:
    """Fail on anything the validator says (it prints nothing for a good entry). Without the
    validator the test is skipped, except in CI, where scripts/setup --test installs it."""
    tool = shutil.which(VALIDATOR)
    if tool is None:
        problem = f"{VALIDATOR} is not installed (Debian package desktop-file-utils)"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    done = subprocess.run([tool, *map(str, paths)], capture_output=True, text=True)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
