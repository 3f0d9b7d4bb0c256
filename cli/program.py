"""How the user runs this program, so that messages name the command they can type."""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Set by a launcher script (scripts/run) to the way the user started the program.
PROGRAM_VARIABLE = "WORKDIARY_PROGRAM"


def program_name() -> str:
    """``workdiary`` when installed or frozen, what a launcher says, else ``python main.py``."""
    launcher = os.environ.get(PROGRAM_VARIABLE)
    if launcher:
        return launcher
    if getattr(sys, "frozen", False) or Path(sys.argv[0]).name == "workdiary":
        return "workdiary"
    return "python main.py"
