"""The engine's settings: a small TOML file in the data dir, validated key by key."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import EnvironmentProblem, InvalidInput
from .records import IdlePolicy

SETTINGS_FILE = "settings.toml"


@dataclass(frozen=True)
class Settings:
    """Engine settings with their defaults."""

    screenshots_per_segment: int = 1
    blur: bool = False
    monitors: str = "all"
    idle_minutes: int = 10
    idle_policy: str = IdlePolicy.ASK.value

    @property
    def idle_policy_value(self) -> IdlePolicy:
        return IdlePolicy(self.idle_policy)


def _int_between(low: int, high: int) -> Callable[[str, object], int]:
    def parse(key: str, value: object) -> int:
        if isinstance(value, bool):
            raise InvalidInput(f"{key} must be a whole number from {low} to {high}, not {value!r}.")
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise InvalidInput(
                    f"{key} must be a whole number from {low} to {high}, not {value!r}."
                ) from None
        if not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(f"{key} must be a whole number from {low} to {high}, not {value!r}.")
        return value

    return parse


def _boolean(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "on", "yes", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "off", "no", "0"):
        return False
    raise InvalidInput(f"{key} must be true or false, not {value!r}.")


def _one_of(*choices: str) -> Callable[[str, object], str]:
    def parse(key: str, value: object) -> str:
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        raise InvalidInput(f"{key} must be one of {', '.join(choices)}, not {value!r}.")

    return parse


#: Each key's parser, and one line on what it means (shown by ``settings``).
SETTING_RULES: dict[str, tuple[Callable[[str, object], Any], str]] = {
    "screenshots_per_segment": (_int_between(1, 3), "screenshots taken in each 10-minute segment"),
    "blur": (_boolean, "blur screenshots before anything is written"),
    "monitors": (_one_of("all", "pointer"), "all monitors, or only the one under the pointer"),
    "idle_minutes": (_int_between(1, 120), "minutes without input before time counts as idle"),
    "idle_policy": (_one_of(*(p.value for p in IdlePolicy)), "what to do with idle time"),
}


def parse_setting(key: str, value: object) -> Any:
    """Validate one setting; unknown keys and bad values raise InvalidInput."""
    if key not in SETTING_RULES:
        known = ", ".join(SETTING_RULES)
        raise InvalidInput(f"Unknown setting {key!r}. Known settings: {known}.")
    return SETTING_RULES[key][0](key, value)


def load_settings(data_dir: Path) -> Settings:
    """Read settings.toml; a missing file means the defaults."""
    path = data_dir / SETTINGS_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise EnvironmentProblem(
            f"The settings file {path} cannot be read ({error}). "
            "Fix it by hand, or delete it to go back to the defaults."
        ) from error
    except OSError as error:
        raise EnvironmentProblem(
            f"Cannot read the settings file {path}: {error.strerror}."
        ) from error
    values: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            values[key] = parse_setting(key, value)
        except InvalidInput as error:
            raise EnvironmentProblem(f"In {path}: {error}") from error
    return Settings(**values)


def save_setting(data_dir: Path, key: str, value: object) -> Settings:
    """Validate and store one setting, keeping the others; returns the new settings."""
    settings = replace(load_settings(data_dir), **{key: parse_setting(key, value)})
    path = data_dir / SETTINGS_FILE
    temporary = path.with_suffix(".toml.tmp")
    try:
        temporary.write_text(to_toml(settings), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        raise EnvironmentProblem(
            f"Cannot write the settings file {path}: {error.strerror}."
        ) from error
    return settings


def to_toml(settings: Settings) -> str:
    """Settings as TOML. Every value is a bool, an int or a plain word, so no escaping is needed."""
    lines = ["# Workdiary settings: the README's table says what each means and allows."]
    for field in fields(settings):
        value = getattr(settings, field.name)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        else:
            text = f'"{value}"'
        lines.append(f"{field.name} = {text}")
    return "\n".join(lines) + "\n"


def settings_table(settings: Settings) -> list[tuple[str, Any, str]]:
    return [(key, value, SETTING_RULES[key][1]) for key, value in asdict(settings).items()]
