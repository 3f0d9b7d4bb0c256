"""The release archive as a user gets it: unpacked, installed by its install.sh into a home
folder of the test's own, the installed ``workdiary --self-test`` passing under a real X
display with the test command's keyring, and uninstall.sh leaving nothing but the data dir."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.desktop_entries import validate
from tests.installer.built import archive
from tests.sync.conftest import require_keyring
from tests.xvfb import Xvfb

pytestmark = [pytest.mark.installer, pytest.mark.x11]

#: PATH for the scripts: the system's tools, and no ~/.local/bin of anyone's.
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_install_self_test_and_uninstall(tmp_path: Path) -> None:
    vault = require_keyring()  # the self-test and export sign with a key in the keyring
    with tarfile.open(archive()) as packed:
        packed.extractall(tmp_path / "unpacked", filter="tar")
    home = tmp_path / "home"
    home.mkdir()
    before = tree(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and k != "PYTHONPATH"}
    env.update(HOME=str(home), PATH=SYSTEM_PATH, WORKDIARY_DATA_DIR="")
    env.pop("WORKDIARY_DATA_DIR")

    def sh(*command: str, extra: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            command,
            env={**env, **(extra or {})},
            cwd=home,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
        return done.stdout

    sh(str(tmp_path / "unpacked" / "workdiary" / "install.sh"))
    program = home / ".local" / "bin" / "workdiary"
    assert program.is_symlink()
    assert sh(str(program), "--version").startswith("workdiary ")
    menu = home / ".local/share/applications/workdiary.desktop"
    autostart = home / ".config/autostart/workdiary.desktop"
    validate(menu, autostart)
    assert (home / ".local/share/icons/hicolor/256x256/apps/workdiary.png").is_file()

    x = Xvfb()
    try:
        tested = sh(str(program), "--self-test", extra=x.env(QT_QPA_PLATFORM="xcb"))
    finally:
        x.stop()
    assert "FAILED" not in tested, tested
    # A user's data dir, which uninstalling keeps: a contract, and its week exported (signed,
    # with a device key in the keyring) and verified as a client would, with no display.
    data_dir = home / ".local/share/workdiary"
    try:
        sh(
            str(program),
            "contract",
            "add",
            "--title",
            "Website",
            "--client",
            "Acme",
            "--rate",
            "45",
        )
        sh(str(program), "export", "--contract", "1", "-o", str(tmp_path / "week.zip"))
        headless = {"DBUS_SESSION_BUS_ADDRESS": "disabled:", "QT_QPA_PLATFORM": ""}
        verified = sh(str(program), "verify", str(tmp_path / "week.zip"), extra=headless)
        assert verified.startswith("Everything verifies: 1 record"), verified
    finally:
        vault.forget((data_dir,))
    kept = tree(data_dir)

    said = sh(str(home / ".local/lib/workdiary/uninstall.sh"))
    assert str(data_dir) in said
    left = tree(home) - before
    assert left == {".local", ".local/share", ".local/share/workdiary"} | {
        f".local/share/workdiary/{name}" for name in kept
    }, sorted(left)
