"""How the user runs this program, so that messages name a command they can type as it is."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from .terminal import safe

#: Set by a launcher script (scripts/run) to the way the user started the program.
PROGRAM_VARIABLE = "WORKDIARY_PROGRAM"

_data_dir_option: str | None = None


def program_name() -> str:
    """What a launcher says it was started as, ``workdiary`` when installed or frozen, else
    ``python main.py``."""
    launcher = os.environ.get(PROGRAM_VARIABLE)
    if launcher:
        return launcher
    if getattr(sys, "frozen", False) or Path(sys.argv[0]).name == "workdiary":
        return "workdiary"
    return "python main.py"


def remember_data_dir_option(data_dir: str | None) -> None:
    """The --data-dir this process was given (like sys.argv, it says how it was started)."""
    global _data_dir_option
    _data_dir_option = data_dir


def command() -> str:
    """The command to type to run Workdiary the same way: the program and, when one was given,
    the same --data-dir."""
    if _data_dir_option is None:
        return program_name()
    # Escaped too: a folder's name can hold anything, terminal controls included.
    return safe(f"{program_name()} --data-dir {shlex.quote(_data_dir_option)}")
