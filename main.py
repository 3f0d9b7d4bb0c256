"""Workdiary's entry point: the desktop app, or a command of the command line (cli/)."""

from __future__ import annotations

import sys

from cli.main import main


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
