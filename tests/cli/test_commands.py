"""The command line, in process: contracts, settings, the diary, and clear refusals."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from cli.main import main
from diary.records import AmendmentKind
from tests.tracker.helpers import at, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.settings import Settings
from tracker.store import DATABASE_FILE, Store


def run(
    capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str, clock: FakeClock | None = None
) -> tuple[int, str, str]:
    try:
        code = main(["--data-dir", str(data_dir), *args], clock=clock)
    except SystemExit as exit:  # argparse refused a value
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_contract_add_and_list(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(
        capsys,
        data_dir,
        "contract",
        "add",
        "--title",
        "Website",
        "--client",
        "Acme",
        "--rate",
        "45.00",
        "--weekly-limit",
        "40",
    )
    assert (code, out) == (0, "1\n")
    code, out, _ = run(capsys, data_dir, "contract", "list", "--json")
    (row,) = json.loads(out)
    assert row == {
        "id": 1,
        "title": "Website",
        "client": "Acme",
        "rate": "45.00",
        "weekly_limit_hours": 40,
        "manual_allowed": False,
        "this_week_seconds": 0,
        "archived": False,
        "marketplace_id": None,
    }
    code, out, _ = run(capsys, data_dir, "contract", "list")
    assert "Website" in out and "40 h" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rate", "-1"), "The rate must be a number like 45.00"),
        (("--rate", "abc"), "The rate must be a number"),
        (("--rate", "1.001"), "at most two decimals"),
        (("--rate", "nan"), "The rate must be a number"),
        (("--rate", "1e3"), "The rate must be a number"),
        (("--rate", "1e17"), "The rate must be a number"),
        (("--rate", "100000.01"), "at most 100,000 an hour"),
        (("--rate", "10", "--weekly-limit", "-2"), "weekly limit must be 0"),
        (("--rate", "10", "--weekly-limit", "x"), "weekly limit must be a number"),
    ],
)
def test_bad_contract_values_are_refused(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(
        capsys, data_dir, "contract", "add", "--title", "T", "--client", "C", *args
    )
    assert code == 2 and out == ""
    assert message in err
    assert json.loads(run(capsys, data_dir, "contract", "list", "--json")[1]) == []


def test_track_refuses_a_long_memo_and_an_unknown_contract(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, _, err = run(capsys, data_dir, "track", "--contract", "1", "--memo", "x" * 1001)
    assert code == 2 and "at most 1000 are allowed" in err
    code, _, err = run(capsys, data_dir, "track", "--contract", "7", "--memo", "fine")
    assert code == 2 and "There is no contract 7" in err


def test_unwritable_data_dir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, blocker / "data", "diary")
    assert code == 3 and "cannot be written" in err and "--data-dir" in err


def test_data_dir_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKDIARY_DATA_DIR", str(tmp_path / "env"))
    assert main(["contract", "add", "--title", "T", "--client", "C", "--rate", "1"]) == 0
    assert (tmp_path / "env" / DATABASE_FILE).exists()


def test_settings_show_set_and_refuse(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, data_dir, "settings")
    assert code == 0 and "idle_policy" in out and "ask" in out
    assert run(capsys, data_dir, "settings", "idle_minutes", "20")[:2] == (0, "idle_minutes = 20\n")
    assert run(capsys, data_dir, "settings", "blur", "on")[:2] == (0, "blur = true\n")
    code, _, err = run(capsys, data_dir, "settings", "idle_minutes", "zero")
    assert code == 2 and "idle_minutes must be a whole number" in err
    code, _, err = run(capsys, data_dir, "settings", "nonsense", "1")
    assert code == 2 and "Unknown setting 'nonsense'" in err


def _seed_day(data_dir: Path, clock: FakeClock) -> None:
    store = Store(data_dir / DATABASE_FILE, clock)
    contract = store.add_contract("Website", "Acme", 4500, 0, False)
    counter = ActivityCounter()
    engine = Engine(clock, store, Settings(idle_policy="keep"), counter, rng=random.Random(3))
    engine.start(contract.id, "Checkout page")
    run_until(engine, clock, at(10, 4, 30))
    for _ in range(9):
        counter.key_pressed()
    run_until(engine, clock, at(10, 21, 10))
    engine.stop()
    middle = store.segments_between(at(10, 10), at(10, 20))[0]
    store.add_amendment(middle.id, AmendmentKind.DELETE_SEGMENT, reason="private")
    store.close()


def test_diary_json_and_table(
    capsys: pytest.CaptureFixture[str], data_dir: Path, fake_clock: FakeClock
) -> None:
    _seed_day(data_dir, fake_clock)
    code, out, _ = run(
        capsys, data_dir, "diary", "--date", "2026-11-25", "--json", clock=fake_clock
    )
    assert code == 0
    segments = json.loads(out)
    assert [(s["start"], s["end"], s["state"], s["close_reason"]) for s in segments] == [
        ("2026-11-25T10:03:27Z", "2026-11-25T10:10:00Z", "tracked", "segment ended"),
        ("2026-11-25T10:10:00Z", "2026-11-25T10:20:00Z", "deleted", "segment ended"),
        ("2026-11-25T10:20:00Z", "2026-11-25T10:21:10Z", "tracked", "stopped"),
    ]
    first = segments[0]
    assert first["active_minutes"] == 1 and first["memo"] == "Checkout page"
    assert first["minutes"][1] == {
        "start": "2026-11-25T10:04:00Z",
        "keys": 9,
        "clicks": 0,
        "scrolls": 0,
        "moves": 0,
        "injected": 0,
        "active": True,
        "discarded": False,
        "unavailable": None,
    }
    assert set(first["screenshot"]) >= {
        "sha256",
        "path",
        "thumb_path",
        "taken_at",
        "width",
        "height",
    }
    assert segments[1]["billable_seconds"] == 0
    out = run(capsys, data_dir, "diary", "--date", "2026-11-25", clock=fake_clock)[1]
    assert "10:00  ...-#----- xxxxxxxxxx --........ .........." in out
    assert "Total: 17 min recorded, 7 min billable." in out
    out = run(capsys, data_dir, "diary", "--date", "2026-11-24", clock=fake_clock)[1]
    assert "Nothing recorded" in out


def test_diary_refuses_a_bad_date_and_contract(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, _, err = run(capsys, data_dir, "diary", "--date", "25/11/2026")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = run(capsys, data_dir, "diary", "--contract", "3")
    assert code == 2 and "no contract 3" in err
    # The command it suggests works as written: with this data dir, not the default one.
    assert f"See them with: python main.py --data-dir {data_dir} contract list" in err


def test_hints_name_the_program_as_started(
    capsys: pytest.CaptureFixture[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKDIARY_PROGRAM", "/opt/workdiary/scripts/run")
    code, _, err = run(capsys, data_dir, "settings", "idle_minutes")
    assert code == 2
    assert f"/opt/workdiary/scripts/run --data-dir {data_dir} settings idle_minutes VALUE" in err
    code, _, err = run(capsys, data_dir, "settings", "no_such_setting")
    assert code == 2 and "Unknown setting 'no_such_setting'" in err and "VALUE" not in err


def test_the_app_without_any_display_says_so(data_dir: Path) -> None:
    import subprocess
    import sys

    for wayland in ({}, {"WAYLAND_DISPLAY": "wayland-0"}):  # no XWayland: Qt would abort
        env = {"PATH": "/usr/bin:/bin", "HOME": str(data_dir), **wayland}
        result = subprocess.run(
            [sys.executable, "main.py", "--data-dir", str(data_dir)],
            env=env,
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[2],
            timeout=60,
        )
        assert result.returncode == 3, result.stderr
        assert "No display: the desktop app needs an X11 session" in result.stderr
        assert "DISPLAY=:0 python main.py --data-dir" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--week", "9999-W52", "-o", "week.zip"),
        ("diary", "--date", "9999-12-31"),
        ("contract", "add", "--title", "T", "--client", "C", "--rate", "1e17"),
        ("diary", "--contract", "99999999999999999999999"),
        ("export", "--contract", "-1", "-o", "week.zip"),
        ("track", "--contract", "99999999999999999999999", "--memo", "m"),
        ("track", "--contract", "1", "--memo", "m", "--for", "nan"),
        ("track", "--contract", "1", "--memo", "m", "--for", "inf"),
        ("track", "--contract", "1", "--memo", "m", "--for", "1e300"),
        ("track", "--contract", "1", "--memo", "m", "--for", "0"),
    ],
)
def test_values_that_would_overflow_are_refused(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: tuple[str, ...]
) -> None:
    code, _, err = run(capsys, data_dir, *args)
    assert code == 2 and "Something went wrong" not in err


def test_an_unwritable_log_file_is_explained(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    (data_dir / "workdiary.log").mkdir()  # as unwritable as a log file gets, even for root
    code, _, err = run(capsys, data_dir, "contract", "list")
    assert code == 3 and "The log file" in err and "cannot be written" in err


def test_a_database_that_is_not_utf8_inside_is_explained(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    import sqlite3

    run(capsys, data_dir, "contract", "list")
    connection = sqlite3.connect(data_dir / DATABASE_FILE)
    connection.execute("INSERT INTO migrations VALUES (CAST(X'ff' AS TEXT), 0)")
    connection.commit()
    connection.close()
    code, _, err = run(capsys, data_dir, "contract", "list")
    assert code == 3 and "is damaged" in err and "decode" in err


def test_memos_are_printed_escaped_in_the_diary(
    capsys: pytest.CaptureFixture[str], data_dir: Path, fake_clock: FakeClock
) -> None:
    store = Store(data_dir / DATABASE_FILE, fake_clock)
    contract = store.add_contract("Website", "Acme", 4500, 0, False).id
    engine = Engine(fake_clock, store, Settings(idle_policy="keep"), ActivityCounter())
    engine.start(contract, "Memo \x1b[2J with a \u202e turn")
    run_until(engine, fake_clock, at(10, 5))
    engine.stop()
    store.close()
    code, out, _ = run(capsys, data_dir, "diary", "--date", "2026-11-25", clock=fake_clock)
    assert code == 0 and "\x1b" not in out and "\u202e" not in out
    assert "Memo \\x1b[2J with a \\u202e turn" in out


def test_contract_edit_archive_and_unarchive(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    add = ("contract", "add", "--title", "Website", "--client", "Acme", "--rate", "45")
    assert run(capsys, data_dir, *add)[0] == 0
    code, _, err = run(capsys, data_dir, *add)
    assert code == 2 and "Contract 1 is already exactly this" in err
    code, out, _ = run(
        capsys,
        data_dir,
        "contract",
        "edit",
        "1",
        "--rate",
        "50",
        "--weekly-limit",
        "10",
        "--manual-allowed",
    )
    assert code == 0 and out == (
        "Contract 1 is now: Website (Acme), 50.00 an hour, limit 10 h a week, manual time allowed\n"
    )
    (row,) = json.loads(run(capsys, data_dir, "contract", "list", "--json")[1])
    assert (row["rate"], row["weekly_limit_hours"], row["manual_allowed"]) == ("50.00", 10, True)
    code, _, err = run(capsys, data_dir, "contract", "edit", "1", "--rate", "fifty")
    assert code == 2 and "The rate must be a number like 45.00" in err
    code, out, _ = run(capsys, data_dir, "contract", "archive", "1")
    assert code == 0 and "archived" in out
    assert json.loads(run(capsys, data_dir, "contract", "list", "--json")[1]) == []
    code, out, _ = run(capsys, data_dir, "contract", "list")
    assert "No contracts to work on (1 archived" in out and "contract list --all" in out
    (row,) = json.loads(run(capsys, data_dir, "contract", "list", "--json", "--all")[1])
    assert row["archived"] is True
    assert run(capsys, data_dir, "contract", "unarchive", "1")[0] == 0
    assert len(json.loads(run(capsys, data_dir, "contract", "list", "--json")[1])) == 1


def test_contract_link_names_a_marketplace_contract(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    for title in ("Website", "Shop"):
        add = ("contract", "add", "--title", title, "--client", "Acme", "--rate", "45")
        assert run(capsys, data_dir, *add)[0] == 0
    marketplace_id = "m-" + "3f" * 16
    code, out, _ = run(capsys, data_dir, "contract", "link", "1", marketplace_id)
    assert code == 0 and f"is the marketplace's contract {marketplace_id}" in out
    rows = json.loads(run(capsys, data_dir, "contract", "list", "--json")[1])
    assert [r["marketplace_id"] for r in rows] == [marketplace_id, None]
    code, _, err = run(capsys, data_dir, "contract", "link", "2", marketplace_id)
    assert code == 2 and "Contract 1 (Website) is that marketplace contract already" in err
    for wrong in ("42", "m 1", "x//\u00e9"):
        code, _, err = run(capsys, data_dir, "contract", "link", "2", wrong)
        assert code == 2 and "is not a marketplace's contract id" in err
