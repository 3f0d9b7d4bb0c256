"""install.sh and uninstall.sh for one user, run on a small bundle laid out as the release
archive's workdiary/ folder, into a home folder of the test's own."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.desktop_entries import validate
from tracker.autostart import Autostart, desktop_entry, is_enabled

ROOT = Path(__file__).resolve().parents[2]
SIZES = (16, 32, 64, 128, 256)
#: PATH for the scripts: the system's tools, and no ~/.local/bin of anyone's.
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def make_bundle(folder: Path, version: str = "9.9.1") -> Path:
    """A bundle as installer/build lays it out: the program (here a script that answers
    --version), install.sh, uninstall.sh, the desktop entry and the icons."""
    bundle = folder / "workdiary"
    (bundle / "icons").mkdir(parents=True)
    program = bundle / "workdiary"
    program.write_text(f'#!/bin/sh\necho "workdiary {version}"\n')
    program.chmod(0o755)
    (bundle / "_internal").mkdir()
    (bundle / "_internal" / "library.so").write_bytes(b"\x7fELF" + version.encode())
    for name in ("install.sh", "uninstall.sh", "workdiary.desktop"):
        shutil.copy2(ROOT / "installer" / name, bundle / name)
    for size in SIZES:
        shutil.copy2(ROOT / "assets" / f"workdiary-{size}.png", bundle / "icons")
    return bundle


@dataclass
class Home:
    """A user's home folder and the environment the scripts run in."""

    path: Path
    env: dict[str, str]

    @property
    def data_home(self) -> Path:
        return Path(self.env.get("XDG_DATA_HOME") or self.path / ".local/share")

    @property
    def config_home(self) -> Path:
        return Path(self.env.get("XDG_CONFIG_HOME") or self.path / ".config")

    @property
    def app_dir(self) -> Path:
        return self.path / ".local/lib/workdiary"

    @property
    def program(self) -> Path:
        return self.app_dir / "workdiary"

    @property
    def link(self) -> Path:
        return self.path / ".local/bin/workdiary"

    @property
    def autostart(self) -> Autostart:
        """The login entry as the installed app switches it."""
        return Autostart(self.config_home / "autostart", (str(self.program),))

    @property
    def data_dir(self) -> Path:
        return self.data_home / "workdiary"

    def run(self, script: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(script), *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        if ok:
            assert done.returncode == 0, done.stdout + done.stderr
        return done


def make_home(path: Path, **xdg: str) -> Home:
    """A home folder holding a data dir with a diary in it, as the app leaves one."""
    path.mkdir(parents=True)
    env = {"HOME": str(path), "PATH": SYSTEM_PATH, "LANG": "C.UTF-8", **xdg}
    home = Home(path, env)
    home.data_dir.mkdir(parents=True)
    (home.data_dir / "workdiary.db").write_bytes(b"SQLite format 3\x00 the diary")
    (home.data_dir / "screenshots").mkdir()
    (home.data_dir / "screenshots" / "a.jpg").write_bytes(b"\xff\xd8 a screenshot")
    return home


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path / "home")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return make_bundle(tmp_path / "unpacked")


def tree(root: Path) -> dict[str, str]:
    """Every path under ``root``: folders, links with their targets, files with a hash."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            key = str(path.relative_to(root))
            if path.is_symlink():
                found[key] = f"link {os.readlink(path)}"
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def manifest(home: Home) -> list[str]:
    text = (home.app_dir / "install-manifest").read_text()
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_install_puts_every_file_in_place(home: Home, bundle: Path) -> None:
    data_before = tree(home.data_dir)
    done = home.run(bundle / "install.sh")
    assert tree(home.app_dir) == {
        **tree(bundle),
        "install-manifest": tree(home.app_dir)["install-manifest"],
    }
    assert home.link.is_symlink() and os.readlink(home.link) == str(home.program)
    ran = subprocess.run([str(home.link), "--version"], capture_output=True, text=True)
    assert ran.stdout == "workdiary 9.9.1\n"
    icons = [home.data_home / f"icons/hicolor/{n}x{n}/apps/workdiary.png" for n in SIZES]
    for size, icon in zip(SIZES, icons, strict=True):
        assert icon.read_bytes() == (ROOT / "assets" / f"workdiary-{size}.png").read_bytes()
    menu = home.data_home / "applications/workdiary.desktop"
    login = home.config_home / "autostart/workdiary.desktop"
    # The same entries the app writes: one truth for the menu, install.sh and the settings.
    assert menu.read_text() == login.read_text() == desktop_entry([str(home.program)])
    validate(menu, login)
    assert is_enabled(login.parent)
    created = [
        home.path / ".local/lib",
        *(home.data_home / f"icons/hicolor/{n}x{n}{apps}" for n in SIZES for apps in ("", "/apps")),
        home.data_home / "applications",
        home.config_home,
        home.config_home / "autostart",
        home.path / ".local/bin",
    ]
    assert sorted(manifest(home)) == sorted(
        [
            f"program {home.app_dir}",
            *(f"file {icon}" for icon in icons),
            f"file {menu}",
            f"autostart {login}",
            f"link {home.link}",
            f"dir {home.data_home / 'icons'}",
            f"dir {home.data_home / 'icons/hicolor'}",
            *(f"dir {path}" for path in created),
        ]
    )
    assert tree(home.data_dir) == data_before
    assert "Installed workdiary 9.9.1" in done.stdout
    assert f"{home.path}/.local/bin is not on your PATH" in done.stdout
    assert f"{home.app_dir}/uninstall.sh" in done.stdout
    # Nothing but what the manifest lists (and the data dir) is in the home folder.
    listed = {line.split(" ", 1)[1] for line in manifest(home)}
    for key in tree(home.path):
        path = home.path / key
        assert (
            str(path) in listed
            or path.is_relative_to(home.app_dir)
            or path.is_relative_to(home.data_dir)
            or any(Path(p).is_relative_to(path) for p in listed)
        ), key


def test_the_path_is_checked(home: Home, bundle: Path) -> None:
    home.env["PATH"] = f"{home.path}/.local/bin:{SYSTEM_PATH}"
    done = home.run(bundle / "install.sh")
    assert "not on your PATH" not in done.stdout
    assert "Start it from the applications menu, or with: workdiary" in done.stdout


def test_an_update_replaces_the_program_and_keeps_autostart_off(
    home: Home, bundle: Path, tmp_path: Path
) -> None:
    home.run(bundle / "install.sh")
    home.autostart.switch(False)  # the user unticks the box in the app's settings
    newer = make_bundle(tmp_path / "newer", version="9.9.2")
    (newer / "_internal" / "library.so").unlink()
    (newer / "_internal" / "other.so").write_bytes(b"new")
    done = home.run(newer / "install.sh")
    assert "Updated workdiary 9.9.2" in done.stdout
    assert "kept off, as it was" in done.stdout
    assert not (home.config_home / "autostart/workdiary.desktop").exists()
    assert sorted(p.name for p in (home.app_dir / "_internal").iterdir()) == ["other.so"]
    assert subprocess.run([str(home.link)], capture_output=True, text=True).stdout == (
        "workdiary 9.9.2\n"
    )
    assert not (home.path / ".local/lib/workdiary.replaced").exists()
    assert not (home.path / ".local/lib/workdiary.installing").exists()
    # Switched on again in the app, an update keeps it on, and writes it afresh.
    home.autostart.switch(True)
    done = home.run(newer / "install.sh")
    assert "autostart/workdiary.desktop: on (switch it off in" in done.stdout
    assert is_enabled(home.config_home / "autostart")


def test_an_entry_switched_off_by_the_desktop_stays_so(home: Home, bundle: Path) -> None:
    home.run(bundle / "install.sh")
    login = home.config_home / "autostart/workdiary.desktop"
    switched_off = login.read_text() + "X-GNOME-Autostart-enabled=false\n"
    login.write_text(switched_off)
    done = home.run(bundle / "install.sh")
    assert "kept switched off, as it was" in done.stdout
    assert login.read_text() == switched_off


def test_no_autostart_when_asked(home: Home, bundle: Path) -> None:
    done = home.run(bundle / "install.sh", "--no-autostart")
    assert "not written (--no-autostart)" in done.stdout
    assert not (home.config_home / "autostart").exists()
    home.run(bundle / "install.sh")  # an update: the choice stays
    assert not (home.config_home / "autostart").exists()
    home.autostart.switch(True)
    done = home.run(bundle / "install.sh", "--no-autostart")
    assert "removed (--no-autostart)" in done.stdout
    assert not is_enabled(home.config_home / "autostart")


def test_uninstall_leaves_nothing_but_the_data_dir(home: Home, bundle: Path) -> None:
    before = tree(home.path)
    home.run(bundle / "install.sh")
    home.autostart.switch(False)
    home.run(bundle / "install.sh")
    home.autostart.switch(True)  # on again, from the app: removed all the same
    done = home.run(home.app_dir / "uninstall.sh")
    assert tree(home.path) == before
    assert f"Kept the data dir {home.data_dir}" in done.stdout
    # Again: nothing is installed, and nothing is removed.
    again = home.run(bundle / "uninstall.sh", ok=False)
    assert again.returncode == 1
    assert "Workdiary is not installed" in again.stderr
    assert tree(home.path) == before


def test_uninstall_removes_the_data_dir_when_asked(home: Home, bundle: Path) -> None:
    before = tree(home.path)
    home.run(bundle / "install.sh")
    done = home.run(home.app_dir / "uninstall.sh", "--remove-data")
    assert f"Deleted the data dir {home.data_dir}" in done.stdout
    assert "keyring" in done.stdout  # said to stay there
    assert tree(home.path) == {
        key: value for key, value in before.items() if not key.startswith(".local/share/workdiary")
    }


def test_the_xdg_folders_are_honoured(tmp_path: Path, bundle: Path) -> None:
    home = make_home(
        tmp_path / "home",
        XDG_DATA_HOME=str(tmp_path / "home/data"),
        XDG_CONFIG_HOME=str(tmp_path / "home/conf"),
    )
    before = tree(home.path)
    home.run(bundle / "install.sh")
    assert (tmp_path / "home/data/applications/workdiary.desktop").is_file()
    assert (tmp_path / "home/data/icons/hicolor/64x64/apps/workdiary.png").is_file()
    assert (tmp_path / "home/conf/autostart/workdiary.desktop").is_file()
    assert not (home.path / ".config").exists()
    assert not (home.path / ".local/share").exists()
    home.run(home.app_dir / "uninstall.sh")
    assert tree(home.path) == before


def test_a_home_with_an_awkward_name_gets_valid_entries(tmp_path: Path, bundle: Path) -> None:
    home = make_home(tmp_path / 'Ann\'s home $HOME 100% "quoted" \\ `x`')
    before = tree(home.path)
    home.run(bundle / "install.sh")
    menu = home.data_home / "applications/workdiary.desktop"
    login = home.config_home / "autostart/workdiary.desktop"
    assert menu.read_text() == login.read_text() == desktop_entry([str(home.program)])
    validate(menu, login)
    assert subprocess.run([str(home.link)], capture_output=True, text=True).returncode == 0
    home.run(home.app_dir / "uninstall.sh")
    assert tree(home.path) == before


def test_no_bundle_beside_install_sh_is_refused(home: Home, tmp_path: Path) -> None:
    alone = tmp_path / "checkout/installer"
    alone.mkdir(parents=True)
    shutil.copy2(ROOT / "installer/install.sh", alone)
    before = tree(home.path)
    done = home.run(alone / "install.sh", ok=False)
    assert done.returncode == 1
    assert f"there is no Workdiary program beside this script ({alone}/workdiary)" in done.stderr
    assert tree(home.path) == before


def test_an_incomplete_bundle_is_refused(home: Home, bundle: Path) -> None:
    (bundle / "icons/workdiary-64.png").unlink()
    done = home.run(bundle / "install.sh", ok=False)
    assert done.returncode == 1
    assert "incomplete; missing: " in done.stderr and "workdiary-64.png" in done.stderr


def test_a_workdiary_command_that_is_not_ours_is_refused(home: Home, bundle: Path) -> None:
    home.link.parent.mkdir(parents=True)
    home.link.write_text("#!/bin/sh\necho mine\n")
    before = tree(home.path)
    done = home.run(bundle / "install.sh", ok=False)
    assert done.returncode == 1
    assert f"{home.link} exists and is not Workdiary's link" in done.stderr
    assert tree(home.path) == before


def test_a_program_folder_that_is_not_ours_is_refused(home: Home, bundle: Path) -> None:
    (home.app_dir).mkdir(parents=True)
    (home.app_dir / "notes.txt").write_text("someone else's")
    before = tree(home.path)
    done = home.run(bundle / "install.sh", ok=False)
    assert done.returncode == 1
    assert "was not made by this installer" in done.stderr
    assert tree(home.path) == before


def test_the_installed_copy_does_not_install_itself(home: Home, bundle: Path) -> None:
    home.run(bundle / "install.sh")
    done = home.run(home.app_dir / "install.sh", ok=False)
    assert done.returncode == 1
    assert "this is the installed copy" in done.stderr


def test_a_manifest_naming_other_places_is_refused(home: Home, bundle: Path) -> None:
    home.run(bundle / "install.sh")
    listed = home.app_dir / "install-manifest"
    listed.write_text(listed.read_text() + f"program {home.path}\n")
    before = tree(home.path)
    done = home.run(home.app_dir / "uninstall.sh", ok=False)
    assert done.returncode == 1 and "Nothing was removed" in done.stderr
    assert tree(home.path) == before


@pytest.fixture
def running(home: Home, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The installed program running (a copy of sleep, which also answers --version)."""
    bundle = make_bundle(tmp_path / "sleeping")
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", bundle / "workdiary")
    home.run(bundle / "install.sh")
    process = subprocess.Popen([str(home.link), "60"])
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()


def test_a_running_program_is_neither_replaced_nor_removed(
    home: Home, bundle: Path, running: subprocess.Popen[bytes]
) -> None:
    before = tree(home.path)
    update = home.run(bundle / "install.sh", ok=False)
    assert update.returncode == 1
    assert f"Workdiary is running (pid {running.pid})" in update.stderr
    removal = home.run(home.app_dir / "uninstall.sh", ok=False)
    assert removal.returncode == 1
    assert f"Workdiary is running (pid {running.pid})" in removal.stderr
    assert tree(home.path) == before


def test_the_scripts_pass_shellcheck() -> None:
    tool = shutil.which("shellcheck")
    if tool is None:
        problem = "shellcheck is not installed (Debian package shellcheck)"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    scripts = [str(ROOT / "installer" / name) for name in ("install.sh", "uninstall.sh")]
    done = subprocess.run([tool, "--shell=sh", *scripts], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "")
