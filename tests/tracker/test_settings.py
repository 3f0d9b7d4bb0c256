"""Settings: defaults, validation of every key, and a damaged file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tracker.errors import EnvironmentProblem, InvalidInput
from tracker.settings import SETTINGS_FILE, Settings, load_settings, save_setting


def test_defaults_without_a_file(data_dir: Path) -> None:
    assert load_settings(data_dir) == Settings()
    assert Settings().idle_minutes == 10 and Settings().idle_policy == "ask"


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("screenshots_per_segment", "3", 3),
        ("blur", "true", True),
        ("blur", "off", False),
        ("monitors", "pointer", "pointer"),
        ("idle_minutes", "20", 20),
        ("idle_policy", "Keep", "keep"),
    ],
)
def test_set_and_read_back(data_dir: Path, key: str, text: str, value: object) -> None:
    save_setting(data_dir, key, text)
    assert getattr(load_settings(data_dir), key) == value
    assert tomllib.loads((data_dir / SETTINGS_FILE).read_text())[key] == value


def test_one_setting_keeps_the_others(data_dir: Path) -> None:
    save_setting(data_dir, "blur", "true")
    save_setting(data_dir, "idle_minutes", "5")
    assert load_settings(data_dir) == Settings(blur=True, idle_minutes=5)


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("screenshots_per_segment", "4", "from 1 to 3"),
        ("screenshots_per_segment", "two", "from 1 to 3"),
        ("blur", "maybe", "true or false"),
        ("monitors", "left", "one of all, pointer"),
        ("idle_minutes", "0", "from 1 to 120"),
        ("idle_policy", "forget", "one of keep, discard, ask"),
        ("colour", "blue", "Unknown setting 'colour'"),
    ],
)
def test_bad_values_are_refused(data_dir: Path, key: str, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        save_setting(data_dir, key, text)
    assert not (data_dir / SETTINGS_FILE).exists()


def test_damaged_file_says_where_it_is(data_dir: Path) -> None:
    (data_dir / SETTINGS_FILE).write_text("blur = = true\n")
    with pytest.raises(EnvironmentProblem, match=str(data_dir / SETTINGS_FILE)):
        load_settings(data_dir)


def test_bad_value_in_the_file_is_named(data_dir: Path) -> None:
    (data_dir / SETTINGS_FILE).write_text("idle_minutes = 500\n")
    with pytest.raises(EnvironmentProblem, match="idle_minutes must be"):
        load_settings(data_dir)
