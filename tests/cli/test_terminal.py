"""Nothing from outside acts on the terminal: a bundle's contents, a memo, a contract's title
are printed with their control and direction-changing characters escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.conftest import START
from tests.diary import hostile
from tracker.clock import FakeClock
from tracker.store import DATABASE_FILE, Store

CLEAR_SCREEN = "\x1b[2J\x1b[H"
RIGHT_TO_LEFT = "\u202e"


def test_a_bundle_cannot_print_over_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = hostile.members()
    lines = [json.loads(line) for line in files["records.jsonl"].splitlines()]
    lines[3]["record"][CLEAR_SCREEN + "Everything verifies" + RIGHT_TO_LEFT] = 1
    files["records.jsonl"] = "".join(json.dumps(line) + "\n" for line in lines).encode()
    bundle = tmp_path / "terminal.zip"
    bundle.write_bytes(hostile.zip_bytes(files))
    assert main(["verify", str(bundle)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT VERIFIED")
    assert "\x1b" not in out and RIGHT_TO_LEFT not in out
    assert "\\x1b[2J" in out and "\\u202e" in out  # shown, for what it is


def test_titles_and_memos_are_printed_escaped(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(data_dir / DATABASE_FILE, FakeClock(START))  # as an older version let in
    store.add_contract("Web" + CLEAR_SCREEN, "Acme" + RIGHT_TO_LEFT, 4500, 0, False)
    store.close()
    assert main(["--data-dir", str(data_dir), "contract", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and RIGHT_TO_LEFT not in out and "\\x1b" in out


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("x" * 201, "at most 200"),
        ("Web" + CLEAR_SCREEN, "not text"),
        ("Web" + RIGHT_TO_LEFT, "not text"),
        ("   ", "needs a title"),
    ],
)
def test_titles_are_limited_like_memos(
    data_dir: Path, capsys: pytest.CaptureFixture[str], title: str, words: str
) -> None:
    args = ["contract", "add", "--title", title, "--client", "Acme", "--rate", "45"]
    assert main(["--data-dir", str(data_dir), *args]) == 2
    assert words in capsys.readouterr().err


def test_a_data_dir_named_with_terminal_controls_is_printed_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data_dir = tmp_path / "e\x1b[2J"
    assert main(["--data-dir", str(data_dir), "contract", "list"]) == 0
    out = capsys.readouterr().out
    assert "No contracts yet" in out and "\x1b" not in out
