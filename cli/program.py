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
_side_option: str | None = None


def program_name() -> str:
    """What a launcher says it was started as, ``workdiary`` when installed or frozen, else
    ``python main.py``."""
    launcher = os.environ.get(PROGRAM_VARIABLE)
    if launcher:
        return launcher
    if getattr(sys, "frozen", False) or Path(sys.argv[0]).name == "workdiary":
        return "workdiary"
    return "python main.py"


def remember_data_dir_option(data_dir: str | None, side: str | None = None) -> None:
    """The --data-dir and --side this process was given (like sys.argv, they say how it was
    started)."""
    global _data_dir_option, _side_option
    _data_dir_option, _side_option = data_dir, side


def command() -> str:
    """The command to type to run Workdiary the same way: the program and, when they were
    given, the same --data-dir and --side."""
    typed = program_name()
    if _data_dir_option is not None:
        # Escaped too: a folder's name can hold anything, terminal controls included.
        typed += f" --data-dir {shlex.quote(_data_dir_option)}"
    if _side_option is not None:
        typed += f" --side {_side_option}"
    return safe(typed)
