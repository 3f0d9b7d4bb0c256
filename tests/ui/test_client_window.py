"""The app in client mode, from a real week: a bundle fetched from the reference server (a
subprocess on 127.0.0.1) opened in the review window, which runs `review` in a process of its
own as the app does; the cells carry the verdict, protection and flags of each segment."""

from __future__ import annotations

import io
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTreeWidgetItem, QTreeWidgetItemIterator
from pytestqt.qtbot import QtBot

from cli.main import main
from diary.rules import amount_cents
from tests.conftest import START
from tests.marketplace.conftest import make_parties
from tests.marketplace.server import Server, running
from tests.sync.conftest import require_keyring
from tests.tracker.helpers import at
from tracker.clock import FakeClock
from tracker.durations import clock_text
from ui.client_window import WEEK_ROLE, ClientWindow
from ui.review_source import DISPUTED, FAILED, FLAGGED, PROTECTED, UNPROTECTED, VERIFIED
from ui.timesheet_view import money_text

ROOT = Path(__file__).parents[2]
WEEK = "2026-W48"


def _honest(minute: int) -> tuple[int, int, int, int]:
    rng = random.Random(minute)
    return (rng.choice([12, 45, 90]), rng.randint(0, 6), rng.randint(0, 3), rng.randint(0, 250))


def _jiggler(minute: int) -> tuple[int, int, int, int]:
    return (0, 0, 0, 3 + (minute * 7) % 29)


@dataclass(frozen=True)
class Week:
    bundle: Path
    #: What the device counts billable in the week, and of it the quiet segment's.
    seconds: int
    quiet: int


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Week]:
    """A week of a freelancer on the reference server: honest work, an hour of a mouse
    jiggler, and a quiet segment; its bundle as the marketplace gives it to the client."""
    with running(tmp_path_factory.mktemp("client") / "data", START) as server:
        parties = make_parties(server, tmp_path_factory.mktemp("parties"))
        device, local = parties.device, parties.local
        device.track(local, "Checkout page", at(10, 0), at(10, 30), pattern=_honest)
        device.track(local, "Invoices", at(11, 0), at(12, 10), pattern=_jiggler)
        device.track(local, "Quiet", at(13, 0), at(13, 10), pattern=lambda _: (0, 0, 0, 0))
        server.set_time(at(13, 20))
        parties.upload(device.entries())
        parties.upload_screenshots()
        answer = parties.client.call(
            "GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle"
        )
        assert answer.status_code == 200, answer.text
        path = tmp_path_factory.mktemp("bundle") / "week.zip"
        path.write_bytes(answer.content)
        seconds = device.week_seconds(local, START)
        store = device.store
        quiet = next(
            v.billable_seconds
            for v in store.views(store.segments_between(at(13, 0), at(13, 10)))
            if v.memo == "Quiet"
        )
        device.close()
        yield Week(path, seconds, quiet)


def _window(qtbot: QtBot, tmp_path: Path) -> ClientWindow:
    command = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path / "data")]
    window = ClientWindow(command, marketplace=False)
    qtbot.addWidget(window)
    window.resize(1240, 820)
    window.show()
    return window


def _shot(window: ClientWindow, name: str) -> None:
    """Pictures for the docs, when asked for (WORKDIARY_SCREENSHOTS=folder)."""
    folder = os.environ.get("WORKDIARY_SCREENSHOTS")
    if folder:
        window.grab().save(str(Path(folder) / name))


def test_a_bundle_opens_read_only_with_each_segments_verdict_protection_and_flags(
    qtbot: QtBot, tmp_path: Path, week: Week
) -> None:
    window = _window(qtbot, tmp_path)
    with qtbot.waitSignal(window.review_shown, timeout=30_000):
        window.open_bundle(week.bundle, "45.00")
    review = window.review
    cells = [c for c in review.grid.cells if c.content is not None]
    assert len(cells) == 3 + 7 + 1
    labels = {c.content.memo: {b.label for b in c.badges} for c in cells if c.content}
    assert labels["Checkout page"] == {VERIFIED.label, PROTECTED.label}
    assert labels["Invoices"] == {VERIFIED.label, PROTECTED.label, FLAGGED.label}
    assert labels["Quiet"] == {VERIFIED.label, UNPROTECTED.label}
    assert not any(FAILED.label in found or DISPUTED.label in found for found in labels.values())
    jiggled = next(c for c in cells if c.memo_text == "Invoices")
    flag = next(b for b in jiggled.badges if b.label == FLAGGED.label)
    assert "pointer moved" in flag.text and "Flagged at:" in flag.text
    quiet = next(c for c in cells if c.memo_text == "Quiet")
    unprotected = next(b for b in quiet.badges if b.label == UNPROTECTED.label)
    assert unprotected.text == "Not protected: no minute of it had keyboard or mouse input."
    assert all(c.thumbnail_path is not None and c.pixmap() is not None for c in cells)
    # What the device counts, at 45.00 an hour; the quiet segment is not protected.
    protected = week.seconds - week.quiet
    assert review.money.text() == (
        f"Verified billable {clock_text(week.seconds)} = "
        f"{money_text(amount_cents(week.seconds, 4500))} · protected {clock_text(protected)} = "
        f"{money_text(amount_cents(protected, 4500))}"
    )
    assert review.verdict.text().startswith("✓ The week verifies")
    # A tab a day: the day with the week's time shows it, the empty days their date alone.
    tabs = [review.days.tabText(i) for i in range(review.days.count())]
    assert tabs == [
        "Mon 23", "Tue 24", f"Wed 25 · {clock_text(week.seconds)}", "Thu 26", "Fri 27",
        "Sat 28", "Sun 29",
    ]  # fmt: skip
    # The manifest names the contract; the heading says whose word that is.
    assert "of Website for " in review.heading.text()
    assert review.heading.text().endswith("(as the bundle states; not signed)")
    assert not review.approve_button.isVisible() and not review.dispute_button.isVisible()
    assert "read-only" in review.message.text()
    qtbot.mouseClick(jiggled, Qt.MouseButton.LeftButton, pos=jiggled.memo_rect().center())
    assert "Observed: The pointer moved" in review.details.text()
    qtbot.wait(100)  # the details line takes its height
    _shot(window, "review-flagged.png")


LOCK = at(12, 0, day=30)  # Monday: week 2026-W48 is in review


def _sign_in(data_dir: Path, server: Server, email: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    code = main(
        ["--data-dir", str(data_dir), "login", server.url, email, "--password-stdin"],
        clock=FakeClock(LOCK),
    )
    assert code == 0


def _week_row(window: ClientWindow, contract: str) -> QTreeWidgetItem:
    iterator = QTreeWidgetItemIterator(window.weeks)
    while (item := iterator.value()) is not None:
        if item.data(0, WEEK_ROLE) == (contract, WEEK):
            return item
        iterator += 1
    raise AssertionError(f"no row of week {WEEK}")


def test_a_client_picks_the_week_and_disputes_segments_told_what_is_held(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_keyring()  # the client's token goes to the keyring, as in the app
    with running(tmp_path / "market", START) as server:
        parties = make_parties(server, tmp_path / "parties")
        device = parties.device
        device.track(parties.local, "Checkout page", at(10, 10), at(10, 30), pattern=_honest)
        device.track(
            parties.local, "Reading", at(11, 0), at(11, 10), pattern=lambda _: (0, 0, 0, 0)
        )
        server.set_time(device.clock.now())
        parties.upload(device.entries())
        parties.upload_screenshots()
        device.close()
        server.set_time(LOCK)
        client_dir = tmp_path / "client"
        _sign_in(client_dir, server, parties.client.ok("GET", "/v1/me")["email"], monkeypatch)

        window = ClientWindow(
            [sys.executable, str(ROOT / "main.py"), "--data-dir", str(client_dir)]
        )
        qtbot.addWidget(window)
        window.resize(1240, 820)
        window.show()
        window.refresh()
        qtbot.waitUntil(lambda: window.weeks.topLevelItemCount() == 1, timeout=30_000)
        row = _week_row(window, parties.contract_id)
        assert (row.text(1), row.text(3)) == ("in-review", money_text(amount_cents(1800, 4500)))
        with qtbot.waitSignal(window.review_shown, timeout=30_000):
            qtbot.mouseClick(
                window.weeks.viewport(),
                Qt.MouseButton.LeftButton,
                pos=window.weeks.visualItemRect(row).center(),
            )
        review = window.review
        assert review.approve_button.isEnabled() and not review.dispute_button.isEnabled()
        assert "Week 2026-W48 is in-review: in escrow" in review.money.text()
        cells = [c for c in review.grid.cells if c.content is not None]
        reading = next(c for c in cells if c.memo_text == "Reading")
        checkout = next(c for c in cells if c.memo_text == "Checkout page")
        for cell in (reading, checkout):
            qtbot.mouseClick(cell, Qt.MouseButton.LeftButton, pos=cell.memo_rect().center())
        assert review.dispute_button.isEnabled() and review.message.text() == "2 selected"
        qtbot.mouseClick(review.dispute_button, Qt.MouseButton.LeftButton)
        dialog = window.dispute_dialog
        assert dialog.isVisible() and not dialog.dispute_button.isEnabled()  # no reason yet
        # Only the reading segment is unprotected (no input): only its 10 minutes are held.
        held = amount_cents(600, 4500)
        assert f"{money_text(held)} would be held in escrow" in dialog.summary.text()
        assert "1 of them is protected" in dialog.summary.text()
        assert "it stays payable unless a mediator rules otherwise" in dialog.summary.text()
        qtbot.keyClicks(dialog.reason, "No input at all in this hour")
        folder = os.environ.get("WORKDIARY_SCREENSHOTS")
        if folder:
            dialog.grab().save(str(Path(folder) / "dispute-dialog.png"))
        with qtbot.waitSignal(window.review_shown, timeout=60_000):
            qtbot.mouseClick(dialog.dispute_button, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
        assert window.week is not None and window.week["state"] == "disputed"
        assert window.week["held_cents"] == held
        cells = [c for c in window.review.grid.cells if c.content is not None]
        disputed = {
            c.memo_text: b.text for c in cells for b in c.badges if b.label == DISPUTED.label
        }
        assert set(disputed) == {"Reading", "Checkout page"}
        assert all(
            t.startswith("Disputed: No input at all in this hour (dispute ")
            and t.endswith("A mediator decides.")
            for t in disputed.values()
        ), disputed
        # The rest of the week: approved after a confirmation that says what stays held.
        assert review.approve_button.isEnabled()
        assert review.approve_button.text() == "Approve the rest…"
        qtbot.mouseClick(review.approve_button, Qt.MouseButton.LeftButton)
        assert window.confirm_approve.isVisible()
        cancel = window.confirm_approve.button(QMessageBox.StandardButton.Cancel)
        assert window.confirm_approve.defaultButton() is cancel  # Enter alone approves nothing
        total = amount_cents(1800, 4500)
        assert (
            f"{money_text(total - held)} is released to " in window.confirm_approve.text()
            and f"{money_text(held)} stays held until a mediator decides"
            in window.confirm_approve.text()
        )
        with qtbot.waitSignal(window.review_shown, timeout=60_000):
            window.confirm_approve.button(QMessageBox.StandardButton.Ok).click()
        assert window.week["rest_approved"] and window.week["held_cents"] == held
        assert not review.approve_button.isEnabled() and not review.dispute_button.isEnabled()
        assert "You approved the rest of the week" in review.message.text()


def test_a_week_chosen_twice_at_once_is_reviewed_once(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A double click is a click and an activation: one review runs, not two writing one
    bundle file; another week chosen meanwhile is what shows, and the first one's answer is
    dropped with its file."""
    (tmp_path / "data").mkdir()
    command = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path / "data")]
    window = ClientWindow(command)
    qtbot.addWidget(window)
    first, second = QTreeWidgetItem(["W47"]), QTreeWidgetItem(["W48"])
    first.setData(0, WEEK_ROLE, ("m-1", "2026-W47"))
    second.setData(0, WEEK_ROLE, ("m-1", WEEK))
    window.weeks.addTopLevelItems([first, second])
    shown: list[str] = []
    show_problem = window.show_problem

    def noting(text: str) -> None:
        shown.append(text)
        show_problem(text)

    monkeypatch.setattr(window, "show_problem", noting)
    window.on_week_chosen(first)
    window.on_week_chosen(first)
    assert len(window.commands.running) == 1
    window.on_week_chosen(second)
    assert len(window.commands.running) == 2
    # Nobody is signed in here: each review fails, and only the last one's problem is shown.
    qtbot.waitUntil(lambda: not window.commands.running, timeout=60_000)
    assert "could not be reviewed" in window.placeholder.text()
    assert len(shown) == 1 and shown[0].startswith("The week could not be reviewed"), shown
    assert not list(Path(window._folder.name).iterdir())
    window.on_week_chosen(second)  # once answered, choosing it again asks the marketplace again
    assert len(window.commands.running) == 1
    qtbot.waitUntil(lambda: not window.commands.running, timeout=60_000)


def test_the_window_opens_as_wide_as_its_day_grid_needs(qtbot: QtBot, tmp_path: Path) -> None:
    """Not the 2/3 of the screen Qt gives a window of no size of its own (1,280 on a 1,920
    screen cut off the :50 column): its size hint, as far as the screen has room."""
    window = ClientWindow([sys.executable, str(ROOT / "main.py")], marketplace=False)
    qtbot.addWidget(window)
    screen = window.screen().availableGeometry().size()
    assert window.size() == window.sizeHint().boundedTo(screen)
    assert window.width() > screen.width() * 2 // 3 or window.width() == 1360
