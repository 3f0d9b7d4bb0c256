"""settings: show the settings, or set one."""

from __future__ import annotations

import argparse

from composition import Composition
from tracker.errors import InvalidInput
from tracker.settings import SETTING_RULES, parse_setting, save_setting, settings_table

from .program import command


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    settings = commands.add_parser("settings", help="show settings, or set one: settings KEY VALUE")
    settings.add_argument("key", nargs="?")
    settings.add_argument("value", nargs="?")
    settings.set_defaults(run=settings_command, needs_data_dir=True)


def settings_command(args: argparse.Namespace, parts: Composition) -> int:
    if args.key is not None and args.value is None:
        if args.key not in SETTING_RULES:
            parse_setting(args.key, None)  # says the key is unknown, and which ones there are
        raise InvalidInput(f"Give a value too: {command()} settings {args.key} VALUE")
    if args.key is not None:
        settings = save_setting(parts.data_dir, args.key, args.value)
        print(f"{args.key} = {_setting_text(getattr(settings, args.key))}")
        return 0
    for key, value, meaning in settings_table(parts.settings()):
        print(f"{key:<24} {_setting_text(value):<8} {meaning}")
    return 0


def _setting_text(value: object) -> str:
    """As written in settings.toml: booleans are true and false."""
    return str(value).lower() if isinstance(value, bool) else str(value)
