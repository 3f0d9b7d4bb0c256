"""The signing commands as a user types them: sign, keys, keys rotate, export errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cli.main import main
from sync.keys import KeyringVault
from tests.conftest import START
from tracker.clock import FakeClock

Runner = Callable[..., int]


@pytest.fixture
def run(data_dir: Path, keyring_vault: KeyringVault) -> Runner:
    """The commands sign with the real keyring (the keys made are forgotten afterwards)."""
    clock = FakeClock(START)

    def run(*args: str) -> int:
        return main(["--data-dir", str(data_dir), *args], clock=clock)

    assert run("contract", "add", "--title", "Website", "--client", "Acme", "--rate", "45") == 0
    return run


def test_keys_sign_and_rotate(run: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run("keys") == 0
    assert "No device key yet" in capsys.readouterr().out
    assert run("sign") == 0
    assert "Signed 0 record(s). Nothing waits to be signed." in capsys.readouterr().out
    assert run("keys") == 0
    first = capsys.readouterr().out
    assert first.count("current") == 1 and "public key" in first
    assert run("keys", "rotate") == 0
    assert "the old key signed the change" in capsys.readouterr().out
    assert run("keys") == 0
    listing = capsys.readouterr().out
    assert listing.count("current") == 1 and "retired" in listing and "replaced by key" in listing


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("export", "--week", "2026-W60", "-o", "x.zip"), 2, "ISO week like 2026-W48"),
        (("export", "--week", "last", "-o", "x.zip"), 2, "ISO week like 2026-W48"),
        (("export", "--contract", "9", "-o", "x.zip"), 2, "There is no contract 9"),
        (("export", "-o", "/proc/nowhere/x.zip"), 3, "Cannot write the bundle"),
    ],
)
def test_export_refuses_clearly(
    run: Runner, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int, words: str
) -> None:
    capsys.readouterr()
    assert run(*args) == code
    assert words in capsys.readouterr().err


def test_an_empty_week_exports_and_verifies(
    run: Runner, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bundle = tmp_path / "empty.zip"
    assert run("export", "--week", "2026-W48", "-o", str(bundle)) == 0
    assert "1 record(s) (0 with details), 0 screenshot(s)" in capsys.readouterr().out
    assert main(["verify", str(bundle)]) == 0
    assert "No verified hours in this bundle." in capsys.readouterr().out
