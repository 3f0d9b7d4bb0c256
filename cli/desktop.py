"""No command: the desktop app (app.py), with the window, the engine's thread and the tray."""

from __future__ import annotations

import argparse

from composition import Composition

from .program import command


def run(args: argparse.Namespace, parts: Composition) -> int:
    from app import run_app

    return run_app(parts, command())
