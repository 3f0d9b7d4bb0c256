"""Files Workdiary writes where the user says (a bundle, a report): what may stand at that
place, checked before any work is done."""

from __future__ import annotations

from pathlib import Path

from .errors import InvalidInput


def check_target(out: Path, what: str, example: str) -> None:
    """``out`` may be replaced by a ``what`` (bundle, report): a file, never a folder, a device
    or anything else at its place. ``example`` names a file for the advice."""
    if out.is_dir():
        raise InvalidInput(
            f"{out} is a folder: name the {what}'s file, for example {out / example}.",
            code=f"{what}-target-folder",
        )
    if out.exists() and not out.is_file():
        raise InvalidInput(
            f"{out} is not a regular file, so a {what} cannot replace it: name another file.",
            code=f"{what}-target-special",
        )
