"""Make the README's pictures (docs/screenshots/*.png) on a private Xvfb display.

    .venv/bin/python scripts/make_screenshots.py [--scale 2]

A day is recorded with the real engine and real screenshots of windows on that display (on a
fake clock, so it takes seconds), then the app's windows are shown there (xcb) and grabbed.
The run is in one named time zone, whatever this machine's: the day is a day on its clocks,
and the diary shows it in local time, as it opens, so that the pictures come out the same
everywhere.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diary.records import AmendmentKind  # noqa: E402
from diary.times import MINUTE, minute_floor  # noqa: E402
from tests.tracker.helpers import run_until  # noqa: E402
from tests.xvfb import Xvfb  # noqa: E402
from tracker.activity import ActivityCounter  # noqa: E402
from tracker.clock import FakeClock  # noqa: E402
from tracker.engine import Engine  # noqa: E402
from tracker.screenshots import ScreenshotTaker  # noqa: E402
from tracker.settings import Settings  # noqa: E402
from tracker.store import DATABASE_FILE, Store  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
#: The local time zone of the run (UTC+01:00 in November, so local and UTC days differ).
ZONE = "Europe/Berlin"
#: The day recorded, on that zone's clocks, and where it starts: its midnight in UTC.
LOCAL_DAY = date(2026, 11, 25)
DAY = datetime(2026, 11, 24, 23, tzinfo=UTC)
EDITOR = """
import sys
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QPlainTextEdit
app = QApplication([])
editor = QPlainTextEdit(open(sys.argv[1]).read())
editor.setFont(QFont("DejaVu Sans Mono", 11))
editor.setWindowTitle(sys.argv[1])
editor.setGeometry(0, 0, 1600, 1000)
editor.show()
QTimer = __import__("PySide6.QtCore", fromlist=["QTimer"]).QTimer
QTimer.singleShot(400, lambda: print("shown", flush=True))
app.exec()
"""


@contextmanager
def source_window(xserver: Xvfb, path: Path) -> Iterator[None]:
    """A real editor window showing a source file, on the display, for the duration."""
    editor = subprocess.Popen(
        [sys.executable, "-c", EDITOR, str(path)],
        env=xserver.env(QT_QPA_PLATFORM="xcb", QT_SCALE_FACTOR="1"),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert editor.stdout is not None and editor.stdout.readline().strip() == "shown"
        yield
    finally:
        editor.kill()
        editor.wait()


def record_day(
    data_dir: Path, xserver: Xvfb, clock: FakeClock
) -> tuple[Store, Engine, ActivityCounter]:
    """09:03 to 12:20 on the zone's clocks, on two contracts, with real screenshots, a deletion
    and idle time."""
    from tracker.platform.x11 import platform

    store = Store(data_dir / DATABASE_FILE, clock)
    website = store.add_contract("Website redesign", "Acme Ltd", 4500, 40 * 60, False).id
    store.add_contract("Data import", "Globex", 6000, 0, True)
    counter = ActivityCounter()
    rng = random.Random(4)
    engine = Engine(
        clock,
        store,
        Settings(idle_policy="discard", idle_minutes=5),
        counter,
        screenshots=ScreenshotTaker(data_dir, platform(xserver.display).screen),
        rng=rng,
    )
    engine.start(website, "Checkout page: address form and validation")
    sources = sorted((ROOT / "tracker").glob("*.py"))
    while clock.now() < DAY + timedelta(hours=12, minutes=20):
        # A real window on the display for the whole segment: this project's own source code.
        with source_window(xserver, sources[rng.randrange(len(sources))]):
            slot_end = minute_floor(clock.now()).replace(
                minute=minute_floor(clock.now()).minute // 10 * 10
            ) + timedelta(minutes=10)
            while clock.now() < slot_end:
                minute = minute_floor(clock.now())
                idle = (
                    DAY + timedelta(hours=10, minutes=42)
                    <= minute
                    < DAY + timedelta(hours=11, minutes=3)
                )
                if not idle and rng.random() < 0.85:
                    for _ in range(rng.randrange(5, 80)):
                        counter.key_pressed()
                    for _ in range(rng.randrange(1, 20)):
                        counter.moved()
                    counter.clicked()
                run_until(engine, clock, minute + MINUTE)
    engine.stop()
    segments = store.segments_between(DAY, DAY + timedelta(days=1))
    store.add_amendment(segments[4].id, AmendmentKind.DELETE_SEGMENT, reason="a private message")
    return store, engine, counter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1", help="QT_SCALE_FACTOR, e.g. 2 for a 200%% check")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    use_zone(ZONE)
    xserver = Xvfb(1600, 1000)
    os.environ.update(DISPLAY=xserver.display, QT_QPA_PLATFORM="xcb", QT_SCALE_FACTOR=args.scale)
    os.environ.pop("WAYLAND_DISPLAY", None)
    try:
        with tempfile.TemporaryDirectory() as temp:
            return shoot(Path(temp), xserver, args.out, args.scale)
    finally:
        xserver.stop()


def use_zone(name: str) -> None:
    """Make ``name`` this process's local time zone (and its children's: the editor windows)."""
    os.environ["TZ"] = name
    time.tzset()
    midnight = datetime.combine(LOCAL_DAY, datetime.min.time()).astimezone(UTC)
    if midnight != DAY:
        # Without the system's zone database, TZ falls back to UTC silently.
        sys.exit(f"The time zone {name} is not known here: is the tz database (tzdata) installed?")


def shoot(data_dir: Path, xserver: Xvfb, out: Path, scale: str) -> int:
    clock = FakeClock(DAY + timedelta(hours=9, minutes=3, seconds=12))
    store, _, _ = record_day(data_dir, xserver, clock)

    from PySide6.QtWidgets import QApplication

    from tracker.events import IdleQuestion, MinuteRecorded, ScreenshotTaken, TrackingStarted
    from tracker.zones import LOCAL
    from ui.diary_view import DiaryView
    from ui.main_window import MainWindow
    from ui.timesheet_view import TimesheetView

    app = QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if scale == "1" else f"-{scale}x"

    window = MainWindow(store, clock, data_dir)
    window.memo.setText("Checkout page: address form and validation")
    segments = store.segments_between(DAY, DAY + timedelta(days=1))
    last = store.views(segments)[-1]
    window.on_engine_event(
        TrackingStarted(last.segment.contract_id, last.segment.start, last.segment)
    )
    for minute in last.minutes:
        window.on_engine_event(MinuteRecorded(last.segment.id, minute))
    shot = next(s for v in reversed(store.views(segments)) for s in v.screenshots if s.thumb_path)
    window.on_engine_event(ScreenshotTaken(shot))
    window.notice.hide()
    window.show()
    app.processEvents()
    window.grab().save(str(out / f"main-window{suffix}.png"))

    window.on_edit_contract_clicked()
    app.processEvents()
    window.contract_dialog.grab().save(str(out / f"contract-dialog{suffix}.png"))
    window.contract_dialog.reject()

    first_dir = data_dir / "first-start"
    first_dir.mkdir()
    first_store = Store(first_dir / DATABASE_FILE, clock)
    first = MainWindow(first_store, clock, first_dir)
    first.show()
    app.processEvents()
    first.grab().save(str(out / f"first-start{suffix}.png"))
    first.close()

    diary = DiaryView(store, clock, data_dir)
    diary.set_zone(LOCAL)
    diary.show_day(LOCAL_DAY)
    diary.resize(1180, 780)
    diary.show()
    app.processEvents()
    diary.grab().save(str(out / f"diary{suffix}.png"))

    timesheet = TimesheetView(store, clock)
    timesheet.resize(900, 360)  # the size the main window opens it at
    timesheet.show()
    app.processEvents()
    timesheet.grab().save(str(out / f"timesheet{suffix}.png"))

    window.on_engine_event(
        IdleQuestion(DAY + timedelta(hours=10, minutes=40), DAY + timedelta(hours=11, minutes=5), 1)
    )
    app.processEvents()
    window.idle_dialog.grab().save(str(out / f"idle-dialog{suffix}.png"))
    print(f"wrote {', '.join(p.name for p in sorted(out.glob(f'*{suffix}.png')))} to {out}")
    for widget in (window.idle_dialog, window.notice, timesheet, diary, window):
        widget.close()
        widget.deleteLater()
    app.processEvents()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
