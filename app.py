"""The desktop app's composition: window, engine thread, input listeners, tray and signing."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from composition import Composition
from sync.autosign import SIGNING_WAIT_SECONDS, SigningRunner
from tracker.activity import ActivityCounter
from tracker.datadir import TrackerLock
from tracker.errors import AlreadyRunning, SessionUnsupported

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from tracker.autostart import Autostart
    from tracker.engine import Engine
    from tracker.platform import Platform
    from tracker.settings import Settings
    from ui.main_window import MainWindow
    from ui.marketplace_session import MarketplaceSession
    from ui.review_launcher import ReviewLauncher


#: The app's first round of signing waits this long after start-up.
STARTUP_SIGNING_DELAY_MS = 5000
#: The first launch's offer of a marketplace opens once the window is on the screen (a dialog
#: opened before its parent is mapped is placed in a corner, not over it).
FIRST_OFFER_DELAY_MS = 500


def run_app(parts: Composition, program: str, side: str | None = None) -> int:
    """The window on the GUI thread, the engine on a thread of its own; returns the exit code.

    ``program`` is how the user runs Workdiary's commands (for the words of hints); ``side``
    the --side the data dir is (client or mediator: the app reviews, it never tracks)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        # Without X11 (or XWayland, which sets DISPLAY) Qt would abort with its own message.
        wayland = (
            " WAYLAND_DISPLAY is, but Workdiary needs X11 or XWayland."
            if (os.environ.get("WAYLAND_DISPLAY"))
            else ""
        )
        raise SessionUnsupported(
            "No display: the desktop app needs an X11 session, and DISPLAY is not set." + wayland,
            code="no-display-for-app",
        )
    from PySide6.QtWidgets import QApplication

    from ui.icons import app_icon

    settings = parts.settings()
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Workdiary")
    # The name of the installed desktop entry (workdiary.desktop), which desktops match to the
    # windows; StartupWMClass there is the application name above, the class Qt gives them.
    app.setDesktopFileName("workdiary")
    app.setWindowIcon(app_icon())
    lock = TrackerLock(parts.data_dir)
    try:
        lock.acquire()
    except AlreadyRunning:
        from ui.single_instance import ask_running_app

        if not ask_running_app(parts.data_dir):
            raise  # a tracker in a terminal, or an app that does not answer
        print(f"Workdiary is already running for {parts.data_dir}: its window is in front now.")
        return 0
    try:
        if side is not None:
            _sign_in_side(parts, side)
        if side is not None or _reviews(parts):
            return _run_client_window(app, parts)
        return _run_window(app, parts, settings, program)
    finally:
        lock.release()


def _reviews(parts: Composition) -> bool:
    """The data dir is signed in with a client's or a mediator's account: the app reviews."""
    from sync.segment_marks import link_summary

    found = link_summary(parts.open_store())
    return found is not None and found.role != "freelancer"


def _sign_in_side(parts: Composition, side: str) -> None:
    """A side not yet signed in as its role is signed in to the local marketplace now (as
    `--side ROLE login --local` would): a side never becomes a freelancer's diary."""
    import subprocess

    from composition import own_command
    from sync.segment_marks import link_summary

    found = link_summary(parts.open_store())
    if found is not None and found.role == side:
        return
    command = [*own_command(), "--data-dir", str(parts.data_dir), "login", "--local"]
    done = subprocess.run([*command, "--as", side], capture_output=True, text=True)
    if done.returncode != 0:
        raise SessionUnsupported(
            f"The {side}'s side could not sign in to the marketplace on this computer: "
            + (done.stderr.strip().removeprefix("workdiary: ") or f"exit {done.returncode}"),
            code="side-not-signed-in",
        )


def _run_client_window(app: QApplication, parts: Composition) -> int:
    """Client mode: the contracts and weeks to review; nothing is tracked."""
    from composition import own_command
    from sync.segment_marks import link_summary
    from ui.client_window import ClientWindow
    from ui.quitting import QuitKeys, QuitSignals
    from ui.single_instance import InstanceServer

    found = link_summary(parts.open_store())
    # The marketplace on this computer runs while the window does, not once per command.
    server = parts.local_marketplace().start() if found is not None and found.local else None
    window = ClientWindow(
        [*own_command(), "--data-dir", str(parts.data_dir)],
        account=None if found is None else found.email,
    )
    quit_signals = QuitSignals(app)
    QuitKeys(app).pressed.connect(app.quit)
    quit_signals.received.connect(app.quit)
    # A second launch for this data dir brings this window up; --quit quits it.
    others = InstanceServer(parts.data_dir)
    others.show_requested.connect(window.bring_up)
    others.quit_requested.connect(app.quit)
    others.listen()
    window.show()
    window.refresh()
    try:
        return app.exec()
    finally:
        others.close()
        quit_signals.close()
        if server is not None:
            server.stop()


def _run_window(app: QApplication, parts: Composition, settings: Settings, program: str) -> int:
    """Build the windows, the engine's thread and the tray, run until quit, stop cleanly."""
    from PySide6.QtCore import QTimer

    from ui.crash_reporter import CrashReporter
    from ui.main_window import MainWindow
    from ui.quitting import QuitKeys, QuitSignals
    from ui.signing_status import SigningStatus
    from ui.single_instance import InstanceServer
    from ui.tray import Tray
    from ui.wiring import connect_window

    status = SigningStatus()
    signing = parts.signing_runner(status.report)
    host = EngineHost(parts, settings, signing)
    tray = Tray() if Tray.available() else None
    # With a tray, closing the window keeps the app (and tracking) running there.
    app.setQuitOnLastWindowClosed(tray is None)
    window = MainWindow(
        parts.open_store(), parts.clock, parts.data_dir, tray, program, _autostart(parts)
    )
    crashes = CrashReporter(window.show_message)
    crashes.install()
    others = InstanceServer(parts.data_dir)
    others.show_requested.connect(window.on_open_requested)
    others.listen()
    quit_signals = QuitSignals(app)
    quit_app = _quitter(app)
    for source in (
        window.quit_requested,  # the tray's Quit, or closing the window when there is no tray
        QuitKeys(app).pressed,  # Ctrl+Q in any window or dialog
        quit_signals.received,  # SIGTERM, SIGINT
        others.quit_requested,  # --quit
    ):
        source.connect(quit_app)
    window.edited.connect(signing.request)  # diary edits are amendments to sign
    status.changed.connect(window.on_signing_report)
    session = _marketplace_session(parts, window, signing)
    reviews = _review_launcher(parts, window)  # noqa: F841 (lives while the window does)
    connect_window(window, host.worker)
    if tray is not None:
        tray.show()
    window.show()
    # The window first; the engine's thread right after it (input waits for tracking).
    QTimer.singleShot(0, lambda: host.start(window))
    # What an earlier run left unsigned can wait a few seconds: start-up comes first.
    QTimer.singleShot(STARTUP_SIGNING_DELAY_MS, signing.request)
    session.start()
    if window.first_launch():  # no marketplace yet: offer one, once
        QTimer.singleShot(FIRST_OFFER_DELAY_MS, session.ask)
    try:
        return app.exec()
    finally:
        window.remember_geometry()
        others.close()
        host.stop()
        signing.wait(SIGNING_WAIT_SECONDS)
        session.stop()  # after the last round, which may sync to it
        crashes.uninstall()
        quit_signals.close()


def _autostart(parts: Composition) -> Autostart:
    """The login entry the settings switch: it runs this program as it runs now (the installed
    executable when frozen, this source tree's main.py otherwise), on this data dir."""
    from composition import own_command
    from tracker.autostart import Autostart, autostart_dir
    from tracker.datadir import default_data_dir

    command = own_command()
    if parts.data_dir != default_data_dir():
        command += ["--data-dir", str(parts.data_dir)]
    return Autostart(autostart_dir(), tuple(command))


def _marketplace_session(
    parts: Composition, window: MainWindow, signing: SigningRunner
) -> MarketplaceSession:
    """Sign-in and sign-out from the window's sync line; a round of sync right after each."""
    from composition import own_command
    from ui.marketplace_session import MarketplaceSession

    session = MarketplaceSession(
        parts.open_store(), parts.data_dir, own_command(), parts.local_marketplace(), window
    )
    window.sync_panel.sign_in_requested.connect(session.ask)
    window.sync_panel.sign_out_requested.connect(session.sign_out)
    session.signed_in.connect(window.on_signed_in)
    session.signed_in.connect(lambda _: signing.request())
    session.signed_out.connect(signing.request)
    window.sync_panel.round_due.connect(signing.request)  # a retry, with no segment closing
    session.problem.connect(window.show_message)
    return session


def _review_launcher(parts: Composition, window: MainWindow) -> ReviewLauncher:
    """The window's Review menu: a bundle file, or the client's side of the local marketplace."""
    from composition import own_command
    from ui.review_launcher import ReviewLauncher

    return ReviewLauncher(
        window.review_button,
        parts.open_store(),
        parts.data_dir,
        own_command(),
        window.show_message,
        window,
    )


def _quitter(app: QApplication) -> Callable[[], None]:
    """Quit, whatever is open: the windows go at once, tracking stops after the event loop."""

    def quit_app() -> None:
        # exit(), not quit(): Qt 6's quit() first asks every window to close, and the main
        # window refuses while there is a tray (it hides instead), which cancels the quit.
        for widget in app.topLevelWidgets():
            widget.hide()
        app.exit(0)

    return quit_app


class EngineHost:
    """The desktop app's engine: its platform parts and its thread, started once the window
    shows and stopped cleanly (last minute saved, segment closed) when the app quits."""

    def __init__(self, parts: Composition, settings: Settings, signing: SigningRunner) -> None:
        from PySide6.QtCore import QThread

        from ui.engine_worker import EngineWorker

        self._parts = parts
        self._settings = settings
        self._signing = signing
        self._platform: Platform | None = None
        self._counter = ActivityCounter()
        self.worker = EngineWorker(self._build_engine, parts.clock)
        self.thread = QThread()
        self.thread.setObjectName("engine")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.setup)

    def start(self, window: MainWindow) -> None:
        try:
            # Cheap: the X connection and the input listeners wait until tracking starts.
            self._platform = self._parts.platform()
        except SessionUnsupported as error:
            window.set_unavailable(str(error))
        self.thread.start()

    def _build_engine(self) -> Engine:
        """Runs on the engine's thread, which owns this store."""
        return self._parts.engine(
            self._parts.open_store(),
            self._settings,
            self._counter,
            self._platform,
            self._signing,
            can_ask=True,
        )

    def stop(self) -> None:
        from PySide6.QtCore import QMetaObject, Qt

        if self.thread.isRunning():
            QMetaObject.invokeMethod(
                self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection
            )
            self.thread.quit()
            self.thread.wait()
        if self._platform is not None:
            self._platform.input.stop()
            self._platform.screen.close()
