"""The idle question: asked when the policy is 'ask', applied to exactly the idle minutes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.tracker.helpers import all_views, at, run_until
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.events import EngineEvent
from tracker.settings import Settings
from tracker.store import Store
from ui.idle_dialog import idle_text
from ui.main_window import MainWindow


@pytest.fixture
def engine(
    fake_clock: FakeClock,
    store: Store,
    counter: ActivityCounter,
    settings: Settings,
    events: list[EngineEvent],
) -> Engine:
    engine = Engine(fake_clock, store, settings, counter, can_ask=True)
    engine.subscribe(events.append)
    return engine


def _away_and_back(
    qtbot: QtBot, window: MainWindow, engine: Engine, clock: FakeClock, counter: ActivityCounter
) -> None:
    """Work until 10:05:30, nothing until 10:31:15, then input again."""
    qtbot.keyClicks(window.memo, "Reading the spec")
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    run_until(engine, clock, at(10, 5, 30))
    counter.key_pressed()
    run_until(engine, clock, at(10, 31, 15))
    counter.clicked()
    run_until(engine, clock, at(10, 31, 30))


@pytest.mark.parametrize("settings", [Settings(idle_policy="ask")])
@pytest.mark.parametrize(("button", "billable"), [("keep", 28 * 60 + 3), ("discard", 3 * 60 + 3)])
def test_the_answer_applies_to_exactly_the_idle_minutes(
    qtbot: QtBot,
    main_window: MainWindow,
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    store: Store,
    button: str,
    billable: int,
) -> None:
    _away_and_back(qtbot, main_window, engine, fake_clock, counter)
    dialog = main_window.idle_dialog
    assert dialog.isVisible()
    assert dialog.text.text() == idle_text(at(10, 6), at(10, 31))
    assert "(25 min)" in dialog.text.text()
    clicked = dialog.keep_button if button == "keep" else dialog.discard_button
    qtbot.mouseClick(clicked, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert not engine.pending_questions()
    engine.stop()
    assert sum(v.billable_seconds for v in all_views(store)) == billable
    assert store.idle_periods()[0].resolution == ("kept" if button == "keep" else "discarded")


@pytest.mark.parametrize(
    "settings", [Settings(idle_policy="keep"), Settings(idle_policy="discard")]
)
def test_no_question_when_the_setting_decides(
    qtbot: QtBot,
    main_window: MainWindow,
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
    store: Store,
    settings: Settings,
) -> None:
    _away_and_back(qtbot, main_window, engine, fake_clock, counter)
    assert not main_window.idle_dialog.isVisible()
    assert store.idle_periods()[0].resolution == (
        "kept" if settings.idle_policy == "keep" else "discarded"
    )


@pytest.mark.parametrize("settings", [Settings(idle_policy="ask")])
def test_closing_the_question_is_no_answer(
    qtbot: QtBot,
    main_window: MainWindow,
    engine: Engine,
    fake_clock: FakeClock,
    counter: ActivityCounter,
) -> None:
    _away_and_back(qtbot, main_window, engine, fake_clock, counter)
    qtbot.keyClick(main_window.idle_dialog, Qt.Key.Key_Escape)
    assert main_window.idle_dialog.isVisible()
    assert engine.pending_questions()
