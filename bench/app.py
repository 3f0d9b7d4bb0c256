"""Benchmark: the desktop app's start-up, memory and diary rendering, next to a bare PySide6 window.

On a private Xvfb display (xcb), in rounds:

- start-up: from starting the process to its window being viewable on the X server, for a bare
  QApplication with one QMainWindow and for ``python main.py`` (the app, on a seeded data dir);
- memory: RSS of the bare window, and of the real app after its work diary has shown each day
  of a seeded week (last week: 144 segments a day, each with minutes and a screenshot
  thumbnail), driven with xdotool; once as opened to review the week, once after tracking was
  started from its window and took its first screenshot (input listeners, X connection,
  Pillow: what tracking adds);
- rendering: the work diary loading and painting a day of 144 segments.

The week is seeded in UTC days, and the app runs with TZ=UTC: its diary opens in local
time, so on any other zone a seeded day would be split across two days on the screen.

    .venv/bin/python bench/app.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.memory import status_mb  # noqa: E402
from tests.xvfb import Xvfb  # noqa: E402

if TYPE_CHECKING:
    from tracker.clock import FakeClock
    from tracker.store import Store

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("Bare")
window.setCentralWidget(QLabel("A bare window"))
window.show()
app.exec()
"""
#: Last week, so that the app can also start tracking now, after everything seeded.
_TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
WEEK = _TODAY - timedelta(days=_TODAY.weekday() + 7)


def seed_week(data_dir: Path) -> None:
    """Seven full days: 144 segments a day, 10 minutes of counts and one screenshot each."""
    from PIL import Image, ImageDraw

    from diary.records import MinuteActivity, SegmentKind
    from tracker.clock import FakeClock
    from tracker.records import Screenshot, Segment
    from tracker.store import DATABASE_FILE, Store

    clock = FakeClock(WEEK + timedelta(days=7))
    store = Store(data_dir / DATABASE_FILE, clock)
    contract = store.add_contract("Website", "Acme", 4500, 0, True).id
    thumbs = []
    rng = random.Random(5)
    for _ in range(7 * 144):  # every screenshot different, as on a real day
        image = Image.new("RGB", (320, 180), (240, 240, 240))
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x, y = rng.randrange(300), rng.randrange(170)
            draw.rectangle(
                (x, y, x + rng.randrange(20, 120), y + rng.randrange(3, 12)),
                fill=(rng.randrange(256), 40, 90),
            )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=70)
        data = buffer.getvalue()
        sha = hashlib.sha256(data).hexdigest()
        for folder in ("screenshots", "thumbnails"):
            path = data_dir / folder / sha[:2] / f"{sha}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        thumbs.append(sha)
    with store.atomic():
        for i in range(7 * 144):
            start = WEEK + timedelta(minutes=10 * i)
            segment_id = f"{i:032x}"
            store.open_segment(
                Segment(
                    segment_id, contract, SegmentKind.TRACKED, start, None, "Checkout page", start
                )
            )
            for m in range(10):
                store.add_minute(
                    segment_id, MinuteActivity(start + timedelta(minutes=m), 30 + m, 3, 1, 40)
                )
            sha = thumbs[i % len(thumbs)]
            store.add_screenshot(
                Screenshot(
                    0,
                    segment_id,
                    start + timedelta(minutes=4),
                    sha,
                    f"screenshots/{sha[:2]}/{sha}.jpg",
                    f"thumbnails/{sha[:2]}/{sha}.jpg",
                    320,
                    180,
                    1,
                    10_000,
                    False,
                    None,
                )
            )
            store.close_segment(segment_id, start + timedelta(minutes=10), "segment ended")
    store.close()


def viewable(display: str, title: str) -> bool:
    from Xlib import X
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    try:
        for window in connection.screen().root.query_tree().children:
            if window.get_wm_name() == title and window.get_attributes().map_state == X.IsViewable:
                return True
        return False
    finally:
        connection.close()


def startup_seconds(command: list[str], env: dict[str, str], display: str, title: str) -> float:
    began = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not viewable(display, title):
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            time.sleep(0.002)
        return time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(30)


def child_memory(kind: str, data_dir: Path) -> None:
    """Runs in a child process: show the windows, print RSS in MB and the diary timings."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    if kind == "bare":
        window = QMainWindow()
        window.setCentralWidget(QLabel("A bare window"))
        window.show()
        app.processEvents()
        print(status_mb("VmRSS"), 0.0)
        return
    from tracker.clock import FakeClock
    from tracker.store import DATABASE_FILE, Store
    from tracker.zones import UTC_ZONE
    from ui.diary_view import DiaryView
    from ui.main_window import MainWindow

    clock = FakeClock(WEEK + timedelta(days=6, hours=12))
    store = Store(data_dir / DATABASE_FILE, clock)
    main = MainWindow(store, clock, data_dir)
    main.show()
    diary = DiaryView(store, clock, data_dir, main)
    diary.set_zone(UTC_ZONE)  # the seeded days, whole
    diary.resize(1200, 800)
    diary.show()
    app.processEvents()
    renders = []
    for day in range(7):
        began = time.perf_counter()
        diary.show_day((WEEK + timedelta(days=day)).date())
        diary.repaint()
        app.processEvents()
        renders.append(time.perf_counter() - began)
        # What the event loop does next: delete the previous day's cells (deleteLater).
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert len(diary.cells) == 144, len(diary.cells)
    print(status_mb("VmRSS"), statistics.median(renders), edit_milliseconds(store, clock))


def edit_milliseconds(store: Store, clock: FakeClock) -> float:
    """The slowest of the writes the GUI thread makes, each its own transaction as from the
    diary: a memo edit of a row, a deletion, 30 minutes of manual time."""
    from tracker.edits import add_manual_time, delete_segments, edit_memo

    day = store.segments_between(WEEK + timedelta(days=5), WEEK + timedelta(days=6))
    row = [s.id for s in day[:6]]
    now = clock.now()
    # Before everything recorded (rounds share the data dir), so that the app can track now.
    earlier = store.segments_between(WEEK - timedelta(days=7), WEEK)
    manual = min([s.start for s in earlier] + [WEEK]) - timedelta(hours=1)
    actions: list[Callable[[], object]] = [
        lambda: edit_memo(store, row, "Checkout page: tax rules", now),
        lambda: delete_segments(store, [day[10].id], now),
        lambda: add_manual_time(
            store, 1, manual, manual + timedelta(minutes=30), "Call", manual + timedelta(hours=1)
        ),
    ]
    timings = []
    for action in actions:
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return max(timings) * 1000


def app_memory_mb(env: dict[str, str], x: Xvfb, data_dir: Path, tracking: bool) -> float:
    """RSS of the real app after a week in its diary; ``tracking``: started from the window
    first, and its first screenshot taken (input listeners, X connection, Pillow all loaded)."""
    app = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not viewable(x.display, "Workdiary"):
            time.sleep(0.01)
        window = _xdotool(x, "search", "--onlyvisible", "--name", "^Workdiary$").split()[0]
        _xdotool(x, "windowfocus", "--sync", window)
        if tracking:
            shots = _screenshots_today(data_dir)
            _xdotool(x, "type", "Benchmark")
            _xdotool(x, "key", "ctrl+Return")
            deadline = time.monotonic() + 60
            while _screenshots_today(data_dir) == shots:
                if time.monotonic() > deadline:
                    raise RuntimeError("the app did not start tracking from its window")
                time.sleep(0.1)
        _xdotool(x, "key", "ctrl+d")
        while not viewable(x.display, "Work diary"):
            time.sleep(0.01)
        diary = _xdotool(x, "search", "--onlyvisible", "--name", "^Work diary$").split()[0]
        _xdotool(x, "windowfocus", "--sync", diary)
        today = datetime.now(UTC).date()
        for key in ["alt+Left"] * (today - WEEK.date()).days + ["alt+Right"] * 6:
            _xdotool(x, "key", key)
            time.sleep(0.3)  # let it show each day before the next
        time.sleep(1)
        return status_mb("VmRSS", app.pid)
    finally:
        app.terminate()
        app.wait(60)


def _screenshots_today(data_dir: Path) -> int:
    import sqlite3

    from tracker.store import DATABASE_FILE

    since = (WEEK + timedelta(days=7)).timestamp()
    with sqlite3.connect(f"file:{data_dir / DATABASE_FILE}?mode=ro", uri=True) as db:
        query = "SELECT count(*) FROM screenshots WHERE taken_at >= ?"
        return int(db.execute(query, (since,)).fetchone()[0])


def _xdotool(x: Xvfb, *args: str) -> str:
    result = subprocess.run(["xdotool", *args], env=x.env(), capture_output=True, text=True)
    result.check_returncode()
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=["bare", "app"])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    if args.child:
        child_memory(args.child, args.data_dir)
        return 0
    xserver = Xvfb()
    env = {
        **xserver.env(QT_QPA_PLATFORM="xcb"),
        "DBUS_SESSION_BUS_ADDRESS": os.environ.get("DBUS_SESSION_BUS_ADDRESS", "disabled:"),
        # The app's diary shows local time: make that UTC, where the week is seeded.
        "TZ": "UTC",
    }
    try:
        with tempfile.TemporaryDirectory() as temp:
            data_dir = Path(temp)
            seed_week(data_dir)
            # Not the first launch: the one-time offer of a marketplace would open a dialog.
            (data_dir / "ui-state.ini").write_text("[marketplace]\noffered=true\n")
            bare_start: list[float] = []
            app_start: list[float] = []
            bare_rss: list[float] = []
            app_rss: list[float] = []
            tracking_rss: list[float] = []
            renders: list[float] = []
            edits: list[float] = []
            for _ in range(args.rounds):
                bare_start.append(
                    startup_seconds([sys.executable, "-c", BARE], env, xserver.display, "Bare")
                )
                app_start.append(
                    startup_seconds(
                        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir)],
                        env,
                        xserver.display,
                        "Workdiary",
                    )
                )
                for kind in ("bare", "app"):
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", kind, "--data-dir", str(data_dir)],
                        env=env,
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout.split()
                    if kind == "bare":
                        bare_rss.append(float(out[0]))
                    else:
                        renders.append(float(out[1]))
                        edits.append(float(out[2]))
                app_rss.append(app_memory_mb(env, xserver, data_dir, tracking=False))
                tracking_rss.append(app_memory_mb(env, xserver, data_dir, tracking=True))
    finally:
        xserver.stop()
    b_start, a_start = statistics.median(bare_start), statistics.median(app_start)
    b_rss, a_rss = statistics.median(bare_rss), statistics.median(app_rss)
    t_rss = statistics.median(tracking_rss)
    render = statistics.median(renders)
    print(f"medians of {args.rounds} rounds on Xvfb (xcb)")
    print(f"{'':36} {'bare window':>12} {'workdiary':>10} {'ratio':>6} {'target':>7}")
    print(
        f"{'start to window viewable, ms':36} {b_start * 1000:12.0f} {a_start * 1000:10.0f} {a_start / b_start:6.2f} {'<= 2':>7}"
    )
    print(
        f"{'RSS MB (app: after a week of diary)':36} {b_rss:12.1f} {a_rss:10.1f} {a_rss / b_rss:6.2f} {'<= 1.6':>7}"
    )
    print(
        f"{'  the same, tracking (after a shot)':36} {b_rss:12.1f} {t_rss:10.1f} {t_rss / b_rss:6.2f} {'':>7}"
    )
    print(
        f"{'diary day of 144 segments, ms':36} {'':>12} {render * 1000:10.0f} {'':>6} {'< 150':>7}"
    )
    print(
        f"{'slowest diary edit on GUI thread, ms':36} {'':>12} {statistics.median(edits):10.1f} {'':>6} {'< 16':>7}"
    )
    print(
        "rounds: start bare",
        [round(x * 1000) for x in bare_start],
        "app",
        [round(x * 1000) for x in app_start],
    )
    print(
        "rounds: render ms",
        [round(x * 1000) for x in renders],
        "rss app",
        [round(x, 1) for x in app_rss],
        "tracking",
        [round(x, 1) for x in tracking_rss],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
