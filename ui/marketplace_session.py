"""Signing the app in to a marketplace and out of it, and the marketplace on this computer while
the app runs. Sign-in and sign-out are the login and logout commands in processes of their own
(the app loads no HTTP client and no keyring, as for signing); the local marketplace is started
by the app, when it is the one the device uses, and stopped when the app quits."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from sync.local_marketplace import LocalMarketplace, LocalServer
from sync.segment_marks import link_summary
from tracker.errors import TrackerError
from tracker.store import Store

from .commands import CommandRunner
from .commands import problem_text as _problem
from .signin_dialog import SignInDialog

log = logging.getLogger(__name__)


class MarketplaceSession(QObject):
    """Signals: ``signed_in(object)`` (what `login --json` printed), ``signed_out()``,
    ``problem(str)`` (for the main window's message line)."""

    signed_in = Signal(object)
    signed_out = Signal()
    problem = Signal(str)
    #: From the thread that starts the local marketplace: a LocalServer, or why not (a str).
    _local_started = Signal(object)

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        command: Sequence[str],
        local: LocalMarketplace,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._commands = CommandRunner([*command, "--data-dir", str(data_dir)], self)
        self._local = local
        self._window = parent
        self._server: LocalServer | None = None
        self._dialog: SignInDialog | None = None
        self._then: Callable[[], None] | None = None
        #: A sign-in is under way (the dialog may have been closed meanwhile).
        self._busy = False
        self._local_started.connect(self._on_local_started)

    @property
    def dialog(self) -> SignInDialog:
        if self._dialog is None:
            self._dialog = SignInDialog(self._window)
            self._dialog.local_chosen.connect(self.sign_in_local)
            self._dialog.sign_in_chosen.connect(self.sign_in)
        return self._dialog

    def linked(self) -> bool:
        return link_summary(self._store) is not None

    def start(self) -> None:
        """Start the marketplace on this computer if it is the one this device uses."""
        found = link_summary(self._store)
        if found is not None and found.local:
            self._start_local(None)

    def stop(self) -> None:
        """Stop the local marketplace if the app started it (at quit)."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def ask(self) -> None:
        if self._busy:  # a sign-in under way: show it as it stands
            self.dialog.open()
            return
        found = link_summary(self._store)
        if found is not None and not found.local:
            self.dialog.ask(found.url, found.email)
        else:
            self.dialog.ask()

    # Signing in ------------------------------------------------------------------------------

    @Slot()
    def sign_in_local(self) -> None:
        """The local marketplace first (the app keeps it running), then `login --local`."""
        self._busy = True
        self._start_local(lambda: self._login(["--local"], None))

    @Slot(str, str, str)
    def sign_in(self, url: str, email: str, password: str) -> None:
        self._login([url, email, "--password-stdin"], password)

    def _login(self, arguments: list[str], password: str | None) -> None:
        self._busy = True
        self._run(["login", *arguments, "--json"], password, self._on_login_finished)

    def _on_login_finished(self, code: int, out: str, err: str) -> None:
        self._busy = False
        try:
            found: dict[str, Any] | None = json.loads(out) if code == 0 else None
        except ValueError:
            found = None
        if found is None:
            self._fail(_problem(err, code))
            return
        self.dialog.finish()
        self.signed_in.emit(found)

    def _fail(self, message: str) -> None:
        """In the dialog; in the window too when the dialog was closed meanwhile."""
        if not self.dialog.isVisible():
            self.problem.emit(f"Signing in failed: {message}")
        self.dialog.fail(message)

    # Signing out -----------------------------------------------------------------------------

    @Slot()
    def sign_out(self) -> None:
        self._run(["logout"], None, self._on_logout_finished)

    def _on_logout_finished(self, code: int, out: str, err: str) -> None:
        if code != 0:
            self.problem.emit(_problem(err, code))
            return
        self.signed_out.emit()

    # The local marketplace ---------------------------------------------------------------------

    def _start_local(self, then: Callable[[], None] | None) -> None:
        if self._server is not None and self._local.running() == self._server.url:
            if then is not None:
                then()
            return
        self._then = then

        def start() -> None:
            try:
                self._local_started.emit(self._local.start())
            except (TrackerError, OSError) as error:
                self._local_started.emit(str(error))

        threading.Thread(target=start, name="local-marketplace", daemon=True).start()

    @Slot(object)
    def _on_local_started(self, started: LocalServer | str) -> None:
        then, self._then = self._then, None
        if isinstance(started, str):
            if then is not None:
                self._busy = False
                self._fail(started)
            else:
                self.problem.emit(started)
            return
        if started.process is not None:
            self._server = started  # the app started it: it stops when the app quits
        if then is not None:
            then()

    def _run(
        self, arguments: list[str], stdin: str | None, done: Callable[[int, str, str], None]
    ) -> None:
        self._commands.run(arguments, done, stdin)
