"""The built program is the same program: installer/build's bundle, run as a user runs it (not
the source tree), answers --version and --help naming ``workdiary``, verifies a bundle with no
display and no keyring exactly as the source tree does, and serves the marketplace's API.

The bundle is built once for the module (installer/build, a minute or two)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.installer.built import PROGRAM, ROOT, built_bundle
from tests.marketplace.server import running

pytestmark = [pytest.mark.installer]

VECTORS = ROOT / "tests" / "vectors" / "bundles"


@pytest.fixture(scope="module")
def program() -> Iterator[Path]:
    yield built_bundle()


def headless() -> dict[str, str]:
    """No display, no D-Bus (so no keyring), no way back into the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.pop("PYTHONPATH", None)
    return {**env, "DBUS_SESSION_BUS_ADDRESS": "disabled:", "QT_QPA_PLATFORM": ""}


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=headless(), cwd=cwd, capture_output=True, text=True, timeout=120
    )


def commands() -> list[str]:
    """Every command of the command line, as its parser knows them."""
    import argparse

    from cli.main import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    raise AssertionError("the command line has no commands")


def test_version_and_help_name_the_program(program: Path, tmp_path: Path) -> None:
    version = run([str(program), "--version"], tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("workdiary "), version.stdout
    for command in ([], *([name] for name in commands())):
        helped = run([str(program), *command, "--help"], tmp_path)
        assert helped.returncode == 0, (command, helped.stderr)
        assert helped.stdout.startswith(f"usage: workdiary {' '.join(command)}".rstrip())
        assert "main.py" not in helped.stdout


@pytest.mark.parametrize("vector", ["valid", "receipt-signature-broken"])
def test_verify_needs_no_display_and_agrees_with_the_source_tree(
    program: Path, tmp_path: Path, vector: str
) -> None:
    bundle = tmp_path / f"{vector}.zip"
    shutil.make_archive(str(bundle.with_suffix("")), "zip", VECTORS / vector)
    built = run([str(program), "verify", "--json", str(bundle)], tmp_path)
    source = run([sys.executable, str(ROOT / "main.py"), "verify", "--json", str(bundle)], ROOT)
    assert built.returncode == source.returncode, (built.stderr, source.stderr)
    assert json.loads(built.stdout) == json.loads(source.stdout)
    assert (built.returncode == 0) == (vector == "valid"), built.stdout


def test_serve_answers_the_api(program: Path, tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 10, tzinfo=UTC)
    with running(tmp_path / "market", now, demo=True, program=[str(program)]) as server:
        logins = json.loads((server.data / "demo-logins.json").read_text())["logins"]
        freelancer = next(x for x in logins if x["role"] == "freelancer")
        api = server.api()
        session = api.ok(
            "POST",
            "/v1/sessions",
            201,
            json={"email": freelancer["email"], "password": freelancer["password"]},
        )
        me = server.api(session["token"]).ok("GET", "/v1/me")
        assert me["email"] == freelancer["email"]
        contracts = server.api(session["token"]).ok("GET", "/v1/contracts")
        assert [c["title"] for c in contracts], contracts


def test_program_is_the_built_one() -> None:
    """What these tests run is the bundle, not a script of the source tree."""
    assert PROGRAM.is_file() and os.access(PROGRAM, os.X_OK)
    assert (
        b"PyInstaller" in PROGRAM.read_bytes()[:200_000] or (PROGRAM.parent / "_internal").is_dir()
    )
