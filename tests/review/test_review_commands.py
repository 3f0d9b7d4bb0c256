"""The client's and the mediator's commands against the real server (a subprocess on
127.0.0.1), each signed in on a device of their own with the token in the test command's
keyring: review a week, dispute a protected and an unprotected segment (told which stays
payable), a mediator refunds, and approval is refused while the week does not verify."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cli.main import main
from diary.rules import amount_cents
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.server import Server, running
from tests.sync.conftest import require_keyring
from tests.tracker.helpers import at
from tracker.clock import FakeClock

WEEK = "2026-W48"
LOCK = at(12, 0, day=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("commands") / "data", START, demo=True) as found:
        yield found


class Person:
    """A signed-in user's data dir, running commands as they would."""

    def __init__(
        self, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.data_dir, self.monkeypatch, self.capsys = data_dir, monkeypatch, capsys

    def run(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data-dir", str(self.data_dir), *args], clock=FakeClock(LOCK))
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code in (0, 1), err
        return json.loads(out)


def _week(server: Server, tmp_path: Path) -> Parties:
    server.set_time(START)
    parties = make_parties(server, tmp_path)
    device = parties.device
    device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))
    device.track(parties.local, "Reading", at(11, 0), at(11, 10), pattern=lambda _: (0, 0, 0, 0))
    server.set_time(device.clock.now())
    parties.upload(device.entries())
    parties.upload_screenshots()
    server.set_time(LOCK)
    return parties


def _answer_in_the_diary(qtbot: QtBot, parties: Parties, segment: str, dispute: str) -> None:
    """The freelancer's app: the disputed segment selected in the diary, Answer the dispute…
    sends a comment (the comment command, in a process of its own)."""
    from ui.diary_view import DiaryView

    device = parties.device
    diary = DiaryView(device.store, FakeClock(LOCK), device.data_dir)
    qtbot.addWidget(diary)
    diary.show()
    diary.show_day(date(2026, 11, 25))
    cell = next(c for c in diary.cells if c.content is not None and c.content.key == segment)
    qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=cell.memo_rect().center())
    assert diary.answer_button.isVisible()
    qtbot.mouseClick(diary.answer_button, Qt.MouseButton.LeftButton)
    assert diary.answer_dialog.isVisible()
    diary.answer_dialog.setTextValue("The brief was long: I read it")
    diary.answer_dialog.accept()
    qtbot.waitUntil(lambda: "comment(s)" in diary.message.text(), timeout=60_000)
    assert f"Commented on dispute {dispute[:12]} (2 comment(s)" in diary.message.text()


def test_a_client_reviews_and_disputes_and_a_mediator_decides(
    qtbot: QtBot,
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_keyring()  # the tokens go to the keyring
    parties = _week(server, tmp_path)
    client = Person(tmp_path / "client", monkeypatch, capsys)
    email = parties.client.ok("GET", "/v1/me")["email"]
    code, out, err = client.run(
        "login", server.url, email, "--password-stdin", stdin="correct horse battery\n"
    )
    assert code == 0, err
    assert "Signed in as a client: this device uploads nothing." in out
    assert "Your contracts and their latest weeks: " in out and " weeks. " in out
    found = client.json("review", "--contract", parties.contract_id, "--week", WEEK)
    assert found["ok"] and found["week"]["state"] == "in-review"
    segments = found["segments"]
    protected = [s["id"] for s in segments if s["protected"]]
    quiet = [s["id"] for s in segments if not s["protected"]]
    assert (len(protected), len(quiet)) == (2, 1)
    code, out, err = client.run(
        "dispute", "--contract", parties.contract_id, "--week", WEEK,
        "--segment", protected[0][:12], "--segment", quiet[0][:12], "--reason", "No input",
    )  # fmt: skip
    assert code == 2 and "--yes" in err  # no terminal to confirm on: nothing was disputed
    code, out, err = client.run(
        "dispute", "--contract", parties.contract_id, "--week", WEEK,
        "--segment", protected[0][:12], "--segment", quiet[0][:12], "--reason", "No input",
        "--yes",
    )  # fmt: skip
    assert code == 0, err
    held = amount_cents(600, parties.contract["hourly_rate_cents"])
    assert f"{held // 100}.{held % 100:02d} would be held" in out
    assert "1 of them is protected" in out and "it stays payable" in out
    dispute = out.split("dispute ", 1)[1].split(".", 1)[0]

    # The freelancer's device learns of the dispute at its next sync; the diary shows it.
    freelancer = Person(parties.device.data_dir, monkeypatch, capsys)
    code, out, err = freelancer.run(
        "login",
        server.url,
        parties.freelancer_email,
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert code == 0, err
    assert freelancer.run("sync")[0] == 0

    def marks() -> dict[str, Any]:
        return {s["id"]: s["sync"] for s in freelancer.json("diary", "--date", "2026-11-25")}

    disputed = marks()[quiet[0]]
    assert disputed["state"] == "disputed" and "Disputed by the client: No input" in disputed["why"]
    assert dispute in disputed["why"] and marks()[protected[1]]["state"] == "receipted"
    code, out, err = freelancer.run("comment", "--dispute", dispute, "--text", "I was reading")
    assert code == 0 and "1 comment(s)" in out, err
    _answer_in_the_diary(qtbot, parties, quiet[0], dispute)

    mediator = Person(tmp_path / "mediator", monkeypatch, capsys)
    logins = json.loads((server.data / "demo-logins.json").read_text())["logins"]
    login = next(x for x in logins if x["role"] == "mediator")
    assert (
        mediator.run(
            "login", server.url, login["email"], "--password-stdin", stdin=login["password"] + "\n"
        )[0]
        == 0
    )
    code, out, err = mediator.run(
        "mediate", "--dispute", dispute, "--segment", quiet[0][:12], "--refund", "--reason", "Idle"
    )
    assert code == 0, err
    assert f"{held // 100}.{held % 100:02d} back to the client" in out
    code, out, err = mediator.run(
        "mediate", "--dispute", dispute, "--segment", protected[0][:12], "--pay", "--reason", "OK"
    )
    assert "nothing moves: it was payable all along" in out
    assert "Every segment of this dispute is decided." in out
    week = client.json("review", "--contract", parties.contract_id, "--week", WEEK)["week"]
    assert (week["held_cents"], week["refunded_cents"]) == (0, held)
    assert freelancer.run("sync")[0] == 0
    assert "A mediator decided: refund (Idle)." in marks()[quiet[0]]["why"]
    parties.device.close()


def test_approval_is_refused_while_the_week_does_not_verify(
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_keyring()  # the tokens go to the keyring
    parties = _week(server, tmp_path)
    client = Person(tmp_path / "client", monkeypatch, capsys)
    email = parties.client.ok("GET", "/v1/me")["email"]
    client.run("login", server.url, email, "--password-stdin", stdin="correct horse battery\n")
    first = parties.device.chain()[1]
    ((details,),) = server.sql("SELECT details FROM records WHERE hash = ?", first.hash)
    changed = bytes(details).replace(b"Checkout page", b"Checkout pages")
    server.sql("UPDATE records SET details = ? WHERE hash = ?", changed, first.hash)
    try:
        code, out, err = client.run("approve", "--contract", parties.contract_id, "--week", WEEK)
        assert code == 2 and "does not verify" in err and "approval is refused" in err
        assert (
            client.json("review", "--contract", parties.contract_id, "--week", WEEK)["ok"] is False
        )
    finally:
        server.sql("UPDATE records SET details = ? WHERE hash = ?", details, first.hash)
    code, out, err = client.run("approve", "--contract", parties.contract_id, "--week", WEEK)
    assert code == 0 and out.startswith(f"Approved week {WEEK}:"), err
    parties.device.close()
