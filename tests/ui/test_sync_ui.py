"""The app's side of sync: the sync line in each situation, the warning before and after a week's
lock, the sign-in button, and signing in from the dialog through the real login command against
the real marketplace (a subprocess on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from composition import own_command
from sync.local_marketplace import LocalMarketplace
from sync.signing import SigningReport
from tests.conftest import START
from tests.marketplace.conftest import make_parties
from tests.marketplace.server import Server, running
from tests.sync.conftest import require_keyring
from tracker.clock import FakeClock
from tracker.store import Store
from ui.main_window import MainWindow
from ui.marketplace_session import MarketplaceSession
from ui.sync_panel import (
    NOT_CONNECTED,
    ROUND_SLACK,
    lock_warning,
    next_round,
    status_line,
)

LINKED: dict[str, Any] = {
    "marketplace": "https://market.example",
    "email": "ada@example.com",
    "local": False,
    "signed_in": True,
    "waiting_records": 0,
    "waiting_screenshots": 0,
    "last_success": "2026-11-25T10:00:00Z",
    "next_attempt": None,
    "last_error": None,
    "refused_code": None,
    "refused_detail": None,
    "locks_at": None,
}


def _line(**status: Any) -> str:
    return status_line(SigningReport(1, 0, status={**LINKED, **status}), START)


def test_the_sync_line_says_where_sync_stands() -> None:
    assert status_line(SigningReport(1, 0), START).startswith(NOT_CONNECTED)
    assert _line() == (
        "Sync: signed in to https://market.example as ada@example.com. Everything signed is "
        "uploaded and receipted. Last successful sync: 3 min ago."
    )
    assert "the marketplace on this computer" in _line(local=True)
    waiting = _line(
        waiting_records=12,
        waiting_screenshots=2,
        last_success=None,
        next_attempt="2026-11-25T10:08:27Z",
        last_error="The marketplace did not answer in time.",
    )
    assert "12 record(s) and 2 screenshot(s) wait to be uploaded." in waiting
    assert "Last successful sync: never." in waiting
    assert "The marketplace did not answer in time. Next try in 5 min." in waiting
    assert _line(signed_in=False, waiting_records=3).startswith(
        "Sync: signed out of https://market.example (ada@example.com). 3 record(s)"
    )
    assert "What you track waits here until you sign in again." in _line(signed_in=False)
    unsigned = status_line(
        SigningReport(0, 4, problem="no keyring is available", code="no-keyring", status=LINKED),
        START,
    )
    assert "4 record(s) wait to be signed: no keyring is available" in unsigned
    nothing_yet = status_line(SigningReport(0, 0, problem="no keyring", code="no-keyring"), START)
    assert "Nothing can be signed here yet: no keyring" in nothing_yet
    assert "0 record(s)" not in nothing_yet


def test_a_round_is_due_at_the_next_attempt_after_the_marketplace_was_out_of_reach() -> None:
    assert next_round(None, START) is None
    assert next_round(LINKED, START) is None  # nothing waits
    refused = {**LINKED, "waiting_records": 2, "refused_code": "week-locked"}
    assert next_round(refused, START) is None  # sent again with the next segment only
    retry = {**LINKED, "waiting_records": 2, "next_attempt": "2026-11-25T10:04:27Z"}
    assert next_round(retry, START) == timedelta(minutes=1) + ROUND_SLACK
    assert next_round(retry, START + timedelta(hours=1)) == ROUND_SLACK  # overdue: at once
    assert next_round({**retry, "signed_in": False}, START) is None


def test_a_round_that_failed_leaves_the_sync_line_as_it_was(main_window: MainWindow) -> None:
    main_window.on_signing_report(SigningReport(1, 0, status=LINKED))
    main_window.on_signing_report(SigningReport(0, -1, "signing took longer than 120 s"))
    text = main_window.sync_panel.status.text()
    assert text.startswith("Sync: signed in to https://market.example") and "120 s" in text
    assert main_window.sync_panel.account_button.text() == "Sign out"


def test_time_not_sent_is_warned_about_a_day_before_its_week_locks_and_after() -> None:
    lock = "2026-11-30T12:00:00Z"
    monday_noon = START.replace(day=30, hour=12, minute=0, second=0)
    assert lock_warning(None, START) is None
    assert lock_warning(lock, monday_noon - timedelta(hours=24, seconds=1)) is None
    soon = lock_warning(lock, monday_noon - timedelta(hours=23))
    assert soon is not None and "Time of the week of Monday 2026-11-23" in soon[0]
    assert "locks Monday at 12:00 UTC (in 23 h 00 min)" in soon[0]
    missed = lock_warning(lock, monday_noon)
    assert (
        missed is not None and "did not reach the marketplace before the week locked" in missed[0]
    )
    assert missed[1] != soon[1]  # the stronger one looks stronger


def test_the_button_signs_in_or_out(
    qtbot: QtBot, main_window: MainWindow, fake_clock: FakeClock
) -> None:
    panel = main_window.sync_panel
    assert panel.account_button.text() == "Sign in…"
    with qtbot.waitSignal(panel.sign_in_requested):
        qtbot.mouseClick(panel.account_button, Qt.MouseButton.LeftButton)
    main_window.on_signing_report(SigningReport(1, 0, status=LINKED))
    assert panel.account_button.text() == "Sign out"
    assert panel.status.text().startswith("Sync: signed in to https://market.example")
    with qtbot.waitSignal(panel.sign_out_requested):
        qtbot.mouseClick(panel.account_button, Qt.MouseButton.LeftButton)
    assert not panel.warning.isVisible()
    fake_clock.set_wall(START.replace(day=30, hour=3, minute=0, second=0))
    late = {**LINKED, "waiting_records": 1, "locks_at": "2026-11-30T12:00:00Z"}
    main_window.on_signing_report(SigningReport(1, 0, status=late))
    assert panel.warning.isVisible() and "(in 9 h 00 min)" in panel.warning.text()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("signin") / "data", START) as found:
        yield found


def test_signing_in_from_the_dialog(
    qtbot: QtBot,
    server: Server,
    store: Store,
    fake_clock: FakeClock,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    parties = make_parties(server, tmp_path)
    window = MainWindow(store, fake_clock, data_dir)
    qtbot.addWidget(window)
    session = MarketplaceSession(
        store, data_dir, own_command(), LocalMarketplace(data_dir, own_command()), window
    )
    session.ask()
    dialog = session.dialog
    dialog.url.setText(server.url)
    dialog.email.setText(parties.freelancer_email)
    dialog.password.setText("not the password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert not dialog.sign_in_button.isEnabled()  # busy
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=30_000)
    assert "The email or the password is wrong" in dialog.error.text()
    dialog.url.setText("http://127.0.0.1:9")  # nothing listens there
    dialog.password.setText("correct horse battery")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "nothing answers" in dialog.error.text(), timeout=30_000)
    assert "Check the address" in dialog.error.text() and "sync" not in dialog.error.text()
    dialog.url.setText(server.url)
    assert dialog.isVisible() and dialog.sign_in_button.isEnabled()
    require_keyring()  # the token goes to the keyring
    dialog.password.setText("correct horse battery")
    with qtbot.waitSignal(session.signed_in, timeout=30_000) as signed:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter signs in
    found = signed.args[0]
    assert found["email"] == parties.freelancer_email and found["marketplace"] == server.url
    assert not dialog.isVisible() and session.linked()
    window.on_signed_in(found)
    assert window.contract_picker.currentText().startswith(found["contracts"][0]["title"])
    parties.device.close()
