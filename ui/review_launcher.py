"""The freelancer's window's Review menu: open a bundle file in the review window, or open the
client's side of the marketplace on this computer (its demo client, in a data dir of its own
beside this one), so one machine shows both sides of the loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from sync.segment_marks import link_summary
from tracker.store import Store

from .client_window import ClientWindow
from .commands import CommandRunner, problem_text


class ReviewLauncher(QObject):
    """``command`` runs this program; ``show_message`` speaks in the freelancer's window."""

    def __init__(
        self,
        button: QPushButton,
        store: Store,
        data_dir: Path,
        command: Sequence[str],
        show_message: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._own = [*command, "--data-dir", str(data_dir)]
        self._show_message = show_message
        self._parent = parent
        self.windows: list[ClientWindow] = []
        self._commands = CommandRunner(self._own, self)
        self.menu = QMenu(button)
        self.menu.setToolTipsVisible(True)  # why an action is disabled
        self.open_action = self.menu.addAction("Open a bundle file…")
        self.open_action.triggered.connect(self.open_bundle)
        self.client_action = self.menu.addAction("As the client of this computer's marketplace")
        self.client_action.triggered.connect(self.open_client_side)
        self.menu.aboutToShow.connect(self._update)
        button.setMenu(self.menu)

    def _update(self) -> None:
        found = link_summary(self._store)
        local = found is not None and found.local
        self.client_action.setEnabled(local)
        self.client_action.setToolTip(
            ""
            if local
            else "Sign in to the marketplace on this computer first (the sync line's Sign in…)."
        )

    @Slot()
    def open_bundle(self) -> None:
        window = self._window(self._own, marketplace=False)
        dialog = window.on_open_clicked()
        dialog.rejected.connect(window.close)  # no file chosen: no empty window left behind

    @Slot()
    def open_client_side(self) -> None:
        """Sign the client's side in to the local marketplace (its demo client), then show it."""
        side = [*self._own, "--side", "client"]
        self._show_message("Opening the client's side of the marketplace on this computer…")

        def signed_in(code: int, out: str, err: str) -> None:
            if code != 0:
                self._show_message(
                    f"The client's side could not sign in: {problem_text(err, code)}"
                )
                return
            self._show_message("")
            self._window(side, marketplace=True).refresh()

        self._commands.run(["--side", "client", "login", "--local", "--json"], signed_in)

    def _window(self, command: list[str], marketplace: bool) -> ClientWindow:
        window = ClientWindow(command, marketplace, self._parent)  # a window of its own
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.windows.append(window)
        window.destroyed.connect(lambda: self.windows.remove(window))
        window.show()
        return window
