"""The autostart entry: where it goes, how its command is written, switched on and off."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.desktop_entries import validate
from tracker.autostart import (
    ENTRY_FILE,
    Autostart,
    autostart_dir,
    config_home,
    desktop_entry,
    disable,
    enable,
    exec_value,
    is_enabled,
)
from tracker.errors import AutostartUnusable

TEMPLATE = Path(__file__).resolve().parents[2] / "installer" / "workdiary.desktop"
PROGRAM = ("/home/ann/.local/lib/workdiary/workdiary",)


def test_the_config_home_follows_xdg_and_ignores_a_relative_one() -> None:
    home = Path("/home/ann")
    assert config_home({}, home) == home / ".config"
    assert config_home({"XDG_CONFIG_HOME": ""}, home) == home / ".config"
    assert config_home({"XDG_CONFIG_HOME": "conf"}, home) == home / ".config"
    assert config_home({"XDG_CONFIG_HOME": "/srv/ann/conf"}, home) == Path("/srv/ann/conf")
    assert autostart_dir({"XDG_CONFIG_HOME": "/c"}, home) == Path("/c/autostart")


@pytest.mark.parametrize(
    ("command", "written"),
    [
        (["/opt/workdiary/workdiary"], "/opt/workdiary/workdiary"),
        (["/usr/bin/python3", "/src/main.py", "--data-dir", "/d"], None),
        (["/home/a b/workdiary"], '"/home/a b/workdiary"'),
        (["/x/100%/w"], "/x/100%%/w"),
        (["/x/$HOME/w"], '"/x/\\\\$HOME/w"'),
        (['/x/"q"/w'], '"/x/\\\\"q\\\\"/w"'),
        (["/x/back\\slash"], '"/x/back\\\\\\\\slash"'),
        (["/x/`tick`"], '"/x/\\\\`tick\\\\`"'),
        (["/x/it's"], '"/x/it\'s"'),
        (["/x/zoë"], '"/x/zoë"'),
        (["/x", ""], '/x ""'),
    ],
)
def test_the_command_is_quoted_as_the_desktop_entry_spec_says(
    command: list[str], written: str | None, tmp_path: Path
) -> None:
    assert exec_value(command) == (written or " ".join(command))
    entry = tmp_path / ENTRY_FILE
    entry.write_text(desktop_entry(command), encoding="utf-8")
    validate(entry)


@pytest.mark.parametrize("argument", ["/x/new\nline", "/x/tab\there", "/x/\udcff"])
def test_a_command_no_desktop_entry_can_hold_is_refused(argument: str) -> None:
    with pytest.raises(AutostartUnusable, match="cannot be written in a desktop entry"):
        exec_value([argument])
    with pytest.raises(AutostartUnusable):
        exec_value([])


def test_the_entry_is_the_installers_template_with_the_command() -> None:
    assert desktop_entry(["workdiary"]) == TEMPLATE.read_text(encoding="utf-8")
    validate(TEMPLATE)


def test_switched_on_and_off(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "autostart"
    assert not is_enabled(folder)  # no folder yet
    path = enable(folder, PROGRAM)
    assert path == folder / ENTRY_FILE
    assert path.read_text(encoding="utf-8") == desktop_entry(PROGRAM)
    assert is_enabled(folder)
    assert sorted(p.name for p in folder.iterdir()) == [ENTRY_FILE]  # no temporary file left
    disable(folder)
    assert not path.exists() and not is_enabled(folder)
    disable(folder)  # nothing there: nothing to do


@pytest.mark.parametrize(
    "line", ["Hidden=true", "X-GNOME-Autostart-enabled=false", "  Hidden = true  "]
)
def test_an_entry_another_tool_switched_off_reads_as_off(tmp_path: Path, line: str) -> None:
    entry = desktop_entry(PROGRAM) + line + "\n"
    (tmp_path / ENTRY_FILE).write_text(entry, encoding="utf-8")
    assert not is_enabled(tmp_path)
    autostart = Autostart(tmp_path, PROGRAM)
    autostart.switch(False)  # off already: left as that tool wrote it
    assert (tmp_path / ENTRY_FILE).read_text(encoding="utf-8") == entry
    autostart.switch(True)
    assert (tmp_path / ENTRY_FILE).read_text(encoding="utf-8") == desktop_entry(PROGRAM)


def test_only_the_desktop_entry_group_counts(tmp_path: Path) -> None:
    entry = desktop_entry(PROGRAM) + "\n[Desktop Action Other]\nHidden=true\n"
    (tmp_path / ENTRY_FILE).write_text(entry, encoding="utf-8")
    assert is_enabled(tmp_path)


def test_an_entry_that_is_on_is_kept_as_the_user_made_it(tmp_path: Path) -> None:
    edited = desktop_entry(PROGRAM).replace("Terminal=false", "Terminal=false\nX-Delay=30")
    (tmp_path / ENTRY_FILE).write_text(edited, encoding="utf-8")
    Autostart(tmp_path, ("/elsewhere/workdiary",)).switch(True)
    assert (tmp_path / ENTRY_FILE).read_text(encoding="utf-8") == edited
    Autostart(tmp_path, PROGRAM).switch(False)
    assert not (tmp_path / ENTRY_FILE).exists()


def test_a_folder_that_cannot_be_written_is_said(tmp_path: Path) -> None:
    # A file where the config folder should be: a write fails even for root.
    (tmp_path / "config").write_text("not a folder")
    folder = tmp_path / "config" / "autostart"
    assert not is_enabled(folder)
    with pytest.raises(AutostartUnusable) as raised:
        Autostart(folder, PROGRAM).switch(True)
    assert raised.value.code == "autostart-unusable"
    assert str(raised.value).startswith(f"The autostart entry cannot be written in {folder} (")


def test_an_unreadable_entry_is_said(tmp_path: Path) -> None:
    (tmp_path / ENTRY_FILE).mkdir()  # a folder where the entry should be
    with pytest.raises(AutostartUnusable, match="cannot be read"):
        is_enabled(tmp_path)
