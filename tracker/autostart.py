"""Starting Workdiary when the user logs in: a desktop entry in $XDG_CONFIG_HOME/autostart.

The entry's presence is the setting; nothing else keeps it. Switched off, the file is removed:
the XDG autostart spec's ``Hidden=true`` is meant for hiding an entry of a system-wide autostart
folder, and the desktops' own tools (GNOME Tweaks, KDE's Autostart settings) remove a user's own
entry when it is switched off, so an absent file means off to every one of them. An entry that
such a tool switched off instead (``Hidden=true``, ``X-GNOME-Autostart-enabled=false``) reads as
off too, and is replaced when the user switches autostart on here.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import AutostartUnusable

#: The entry's file name, in the autostart folder as in the applications folder.
ENTRY_FILE = "workdiary.desktop"

#: The desktop entry, the same in the applications menu and in the autostart folder but for
#: its command; installer/workdiary.desktop holds it with ``Exec=workdiary`` (a test keeps the
#: two equal). StartupWMClass is the class Qt gives the app's windows: its application name.
_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Workdiary
GenericName=Time Tracker
Comment=Track your hours and keep a verifiable work diary for hourly contracts
Exec={exec}
Icon=workdiary
Terminal=false
Categories=Office;ProjectManagement;
Keywords=time;tracker;timesheet;freelance;diary;
StartupWMClass=Workdiary
"""

#: Characters an Exec argument may hold unquoted (the spec reserves space, quotes, backslash and
#: the shell's special characters; anything else outside this set is quoted to be safe).
_PLAIN = re.compile(r"[A-Za-z0-9_./+,:@=%-]+")
#: Characters that stay escaped inside a quoted Exec argument.
_ESCAPED_IN_QUOTES = re.compile(r'(["`$\\])')
#: Keys by which a desktop's own tools switch an autostart entry off without removing it.
_SWITCHED_OFF = {("Hidden", "true"), ("X-GNOME-Autostart-enabled", "false")}


def config_home(environ: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """$XDG_CONFIG_HOME, or ~/.config when it is unset, empty or relative (the XDG base
    directory spec says to ignore a relative one)."""
    value = (os.environ if environ is None else environ).get("XDG_CONFIG_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return (Path.home() if home is None else home) / ".config"


def autostart_dir(environ: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """The folder of this user's autostart entries."""
    return config_home(environ, home) / "autostart"


def exec_value(command: Sequence[str]) -> str:
    """``command`` as the Exec key's value as written in the file: each argument quoted where
    it needs to be, ``%`` doubled (no field codes), backslashes escaped for the file."""
    if not command:
        raise AutostartUnusable("An autostart entry needs a command to run.")
    arguments = []
    for argument in command:
        if re.search(r"[\x00-\x1f\x7f]", argument) or not _encodable(argument):
            raise AutostartUnusable(
                f"The command {argument!r} cannot be written in a desktop entry (it holds a "
                "control character or a name that is not UTF-8): install Workdiary in a folder "
                "with a plain name."
            )
        if not _PLAIN.fullmatch(argument):
            argument = '"' + _ESCAPED_IN_QUOTES.sub(r"\\\1", argument) + '"'
        arguments.append(argument.replace("%", "%%"))
    # The file's own escape rule comes on top of the quoting rule: a backslash is written twice.
    return " ".join(arguments).replace("\\", "\\\\")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def desktop_entry(command: Sequence[str]) -> str:
    """The whole desktop entry that runs ``command``."""
    return _ENTRY.format(exec=exec_value(command))


def is_enabled(directory: Path) -> bool:
    """Whether the autostart folder ``directory`` holds Workdiary's entry, not switched off."""
    path = directory / ENTRY_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):  # no autostart folder: no entry
        return False
    except OSError as error:
        raise AutostartUnusable(
            f"The autostart entry {path} cannot be read ({error.strerror or error})."
        ) from error
    return not switched_off(text)


def switched_off(text: str) -> bool:
    """Whether a desktop entry's text says it is not to be started (Hidden=true, or GNOME's
    X-GNOME-Autostart-enabled=false, in its [Desktop Entry] group)."""
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            group = line
        elif group == "[Desktop Entry]" and "=" in line:
            key, _, value = line.partition("=")
            if (key.strip(), value.strip()) in _SWITCHED_OFF:
                return True
    return False


def enable(directory: Path, command: Sequence[str]) -> Path:
    """Write the entry that runs ``command`` at login into ``directory`` (created if need be),
    replacing any entry there at once: a reader never sees half a file."""
    text = desktop_entry(command)
    path = directory / ENTRY_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _replace(path, text)
    except OSError as error:
        raise AutostartUnusable(
            f"The autostart entry cannot be written in {directory} ({error.strerror or error})."
        ) from error
    return path


def _replace(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def disable(directory: Path) -> None:
    """Remove the entry from ``directory`` (nothing to do when there is none)."""
    path = directory / ENTRY_FILE
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise AutostartUnusable(
            f"The autostart entry {path} cannot be removed ({error.strerror or error})."
        ) from error


@dataclass(frozen=True)
class Autostart:
    """This user's autostart entry: the folder it goes in, and the command it runs."""

    directory: Path
    command: tuple[str, ...]

    @property
    def path(self) -> Path:
        return self.directory / ENTRY_FILE

    def enabled(self) -> bool:
        return is_enabled(self.directory)

    def switch(self, on: bool) -> None:
        """On: the entry exists and is not switched off (an entry already on is kept as it is,
        with any change the user made to it). Off: an entry that is on is removed; one already
        switched off by another tool stays as it is."""
        enabled = self.enabled()
        if on and not enabled:
            enable(self.directory, self.command)
        elif enabled and not on:
            disable(self.directory)
