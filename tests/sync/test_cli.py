"""The signing commands as a user types them: sign, keys, keys rotate; export's refusals, and
what it says of a week that is empty, open, or not all signed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from random import Random

import pytest

from cli.main import main
from diary.records import AmendmentKind
from sync.keys import KeyringVault, MemoryVault
from sync.ledger import Ledger
from sync.signer import Signer
from tests.conftest import START
from tests.tracker.helpers import at, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.settings import Settings
from tracker.store import DATABASE_FILE, Store

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
    out = capsys.readouterr().out
    assert "1 record(s) (0 with details), 0 screenshot(s)" in out  # the device's first key
    assert "Week 2026-W48 has no segments: the bundle shows no hours." in out
    assert main(["verify", str(bundle)]) == 0
    assert "No verified hours in this bundle." in capsys.readouterr().out


class Diary:
    """A data dir with a contract, tracked on a fake clock; "signed earlier" is signed with a key
    in memory, which the commands here cannot reach: to them there is no keyring at all."""

    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data_dir = data_dir
        self.capsys = capsys
        self.clock = FakeClock(START)
        self.store = Store(data_dir / DATABASE_FILE, self.clock)
        self.contract = self.store.add_contract("Website", "Acme", 4500, 0, False).id
        self.vault = MemoryVault()

    def track(self, start: datetime, end: datetime, *, stop: bool = True) -> None:
        self.clock.advance((start - self.clock.now()).total_seconds())
        engine = Engine(
            self.clock, self.store, Settings(idle_policy="keep"), ActivityCounter(), rng=Random(3)
        )
        engine.start(self.contract, "Checkout page")
        run_until(engine, self.clock, end)
        if stop:
            engine.stop()

    def sign_earlier(self) -> None:
        Signer(self.store, Ledger(self.store), self.vault, self.clock).sign_pending()

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--data-dir", str(self.data_dir), *args], clock=self.clock)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def diary(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
) -> Iterator[Diary]:
    monkeypatch.delenv("WORKDIARY_PROGRAM", raising=False)  # the hints say python main.py
    diary = Diary(data_dir, capsys)
    yield diary
    diary.store.close()


def test_export_that_cannot_sign_writes_nothing_and_says_what_to_do(
    diary: Diary, tmp_path: Path
) -> None:
    diary.track(START, at(10, 21, 10))  # three segments, none signed
    out = tmp_path / "week.zip"
    out.write_bytes(b"last week's bundle")
    code, stdout, err = diary.run("export", "--week", "2026-W48", "-o", str(out))
    assert code == 3 and "Wrote" not in stdout
    assert "Week 2026-W48: 3 of 3 segment(s) are not signed yet" in err
    assert "none was written" in err and "no keyring is available" in err
    assert f"check with: python main.py --data-dir {diary.data_dir} sign), export again" in err
    assert out.read_bytes() == b"last week's bundle"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "week.zip"]  # no partial file


def test_export_refuses_a_week_signed_only_in_part(diary: Diary, tmp_path: Path) -> None:
    diary.track(START, at(10, 21, 10))
    diary.sign_earlier()
    diary.track(at(11, 5), at(11, 25))  # three more, after the keyring went away
    out = tmp_path / "week.zip"
    code, _, err = diary.run("export", "--week", "2026-W48", "--contract", "1", "-o", str(out))
    assert code == 3
    assert "Week 2026-W48 of contract 1: 3 of 6 segment(s) are not signed yet" in err
    assert not out.exists()


def test_export_refuses_while_a_change_to_a_signed_segment_waits(
    diary: Diary, tmp_path: Path
) -> None:
    """A deletion not signed yet: the bundle would bill time the freelancer took back."""
    diary.track(START, at(10, 21, 10))
    diary.sign_earlier()
    first = diary.store.segments_between(at(10, 0), at(10, 10))[0]
    diary.store.add_amendment(first.id, AmendmentKind.DELETE_SEGMENT, reason="private")
    out = tmp_path / "week.zip"
    code, _, err = diary.run("export", "--week", "2026-W48", "-o", str(out))
    assert code == 3
    assert "Week 2026-W48: 1 change(s) to signed segments are not signed yet" in err
    assert not out.exists()


def test_a_week_signed_in_full_exports_without_a_keyring(diary: Diary, tmp_path: Path) -> None:
    diary.track(START, at(10, 21, 10))
    diary.sign_earlier()
    diary.track(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), datetime(2026, 12, 2, 9, 5, tzinfo=UTC))
    out = tmp_path / "week.zip"
    code, stdout, _ = diary.run("export", "--week", "2026-W48", "-o", str(out))
    assert code == 0, stdout
    assert "Wrote" in stdout and "has no segments" not in stdout
    # What waits belongs to another week: this bundle is whole, but the user should know.
    assert "Warning: 1 record(s) outside this bundle wait to be signed." in stdout
    assert f"run: python main.py --data-dir {diary.data_dir} sign" in stdout
    assert main(["verify", str(out)]) == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--week", "2026-W47"), "Week 2026-W47 has no segments: the bundle shows no hours."),
        (
            ("--week", "2026-W48", "--contract", "2"),
            "Week 2026-W48 of contract 2 has no segments: the bundle shows no hours.",
        ),
    ],
)
def test_an_export_of_an_empty_week_says_so(
    diary: Diary, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    diary.store.add_contract("Other", "Beta", 3000, 0, False)
    diary.track(START, at(10, 21, 10))
    diary.sign_earlier()
    out = tmp_path / "empty.zip"
    code, stdout, _ = diary.run("export", *args, "-o", str(out))
    assert code == 0
    assert words in stdout
    assert "That is this week" not in stdout  # a week was named
    assert main(["verify", str(out)]) == 0


def test_an_empty_current_week_names_the_week_before(diary: Diary, tmp_path: Path) -> None:
    diary.track(START, at(10, 21, 10))
    diary.sign_earlier()
    diary.clock.advance(7 * 86400)  # the Wednesday after: nothing tracked this week
    code, stdout, _ = diary.run("export", "-o", str(tmp_path / "week.zip"))
    assert code == 0
    assert "Week 2026-W49 has no segments: the bundle shows no hours." in stdout
    assert "That is this week; name another with --week, for example --week 2026-W48." in stdout


def test_an_export_while_tracking_says_the_open_segment_is_not_in_it(
    diary: Diary, tmp_path: Path
) -> None:
    diary.track(START, at(10, 21, 10))
    diary.sign_earlier()
    diary.track(at(11, 5), at(11, 7), stop=False)  # still being tracked
    code, stdout, _ = diary.run("export", "--week", "2026-W48", "-o", str(tmp_path / "w.zip"))
    assert code == 0
    assert "1 segment(s) still open" in stdout and "are not in the bundle" in stdout
    assert "has no" not in stdout
