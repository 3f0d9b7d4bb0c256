"""The main window: contract, memo, start/stop, the session's, today's and this week's time,
activity, the last screenshot, sync."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, QStringListModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QHideEvent,
    QKeySequence,
    QPixmap,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from diary.times import SEGMENT, slot_start
from sync.segment_marks import link_summary
from tracker.clock import Clock
from tracker.durations import clock_text
from tracker.edits import delete_screenshot
from tracker.errors import TrackerError
from tracker.events import (
    EngineEvent,
    IdleQuestion,
    IdleResolved,
    LimitReached,
    MinuteRecorded,
    ScreenshotTaken,
    SegmentClosed,
    TrackingStarted,
    TrackingStopped,
)
from tracker.live_totals import LiveTotals
from tracker.recent_screenshot import last_kept_screenshot
from tracker.records import Contract, Screenshot
from tracker.store import Store
from tracker.zones import LOCAL

from .activity_meter import ACTIVE, QUIET, UNTRACKED, ActivityMeter
from .combo import chosen_id
from .database_watcher import DatabaseWatcher
from .icons import app_icon
from .messages import explain
from .sync_panel import SyncPanel

if TYPE_CHECKING:
    from sync.signing import SigningReport
    from tracker.autostart import Autostart

    # The views and dialogs are imported and made when first opened: the window starts lighter.
    from .contract_dialog import ContractDialog
    from .diary_view import DiaryView
    from .idle_dialog import IdleDialog
    from .screenshot_notice import ScreenshotNotice
    from .settings_dialog import SettingsDialog
    from .timesheet_view import TimesheetView
    from .tray import Tray

START_SHORTCUT = QKeySequence("Ctrl+Return")
DIARY_SHORTCUT = QKeySequence("Ctrl+D")
TIMESHEET_SHORTCUT = QKeySequence("Ctrl+T")
SETTINGS_SHORTCUT = QKeySequence("Ctrl+,")
CLOSE_SHORTCUT = QKeySequence("Ctrl+W")
UI_STATE_FILE = "ui-state.ini"
THUMB_WIDTH = 192
#: How many of a contract's last memos the memo field offers.
RECENT_MEMOS = 8


def contract_label(contract: Contract) -> str:
    """A contract in the picker: which one it is. Its hours are the rows below, not here."""
    return f"{contract.title} — {contract.client} · ${contract.rate:.2f}/h"


class MainWindow(QMainWindow):
    """Signals: ``start_requested(int, str)`` (contract id, memo), ``stop_requested()``,
    ``memo_edited(str)`` (a new memo while tracking), ``idle_answered(int, bool)`` (idle
    period id, keep), ``quit_requested()`` (quit the app: tracking stops cleanly), ``edited()``
    (the diary was changed: sign it), ``settings_saved(object)`` (new engine Settings)."""

    start_requested = Signal(int, str)
    stop_requested = Signal()
    memo_edited = Signal(str)
    idle_answered = Signal(int, bool)
    quit_requested = Signal()
    edited = Signal()
    settings_saved = Signal(object)

    def __init__(
        self,
        store: Store,
        clock: Clock,
        data_dir: Path,
        tray: Tray | None = None,
        program: str = "workdiary",
        autostart: Autostart | None = None,
    ) -> None:
        """``program`` is how the user runs Workdiary's commands, for hints that name one;
        ``autostart`` the login entry the settings switch (None: the settings offer none)."""
        super().__init__()
        self._store = store
        self._program = program
        self._autostart = autostart
        self._clock = clock
        self._data_dir = data_dir
        self._tray = tray
        #: Window geometry and one-time notices, kept in the data dir beside the diary.
        self._ui_state = QSettings(str(data_dir / UI_STATE_FILE), QSettings.Format.IniFormat)
        self._tracking = False
        self._started_at: datetime | None = None
        self._segment_id: str | None = None
        self._segment_start: datetime | None = None
        #: Today's and this week's time, ticking with the session (None: no contract).
        self._totals: LiveTotals | None = None
        self._tracked_contract: int | None = None
        self.setWindowTitle("Workdiary")
        self.setWindowIcon(app_icon())
        self._build()
        self._connect_signals()
        self.refresh_contracts()
        link = link_summary(store)
        if link is not None:
            where = "the marketplace on this computer" if link.local else link.url
            self.sync_panel.show_link(f"signed in to {where}", link.email)
        self._recall_memo()
        self._recall_screenshot()
        self.memo.setFocus()
        #: Contracts, segments and edits made elsewhere (the engine's thread, a terminal).
        self.watcher = DatabaseWatcher(store, self)
        self.watcher.changed.connect(self.on_database_changed)
        self.watcher.start()
        # Wide enough for the contracts' labels (filled in just above); room for a wrapped
        # status line (a keyring problem is a few lines long).
        hint, line = self.sizeHint(), self.fontMetrics().height()
        self.resize(max(hint.width(), 36 * line), hint.height() + 3 * line)
        geometry = self._ui_state.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    # Building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.contract_picker = QComboBox()
        self.contract_picker.setAccessibleName("Contract")
        self.add_contract_button = QToolButton()
        self.add_contract_button.setText("Add…")
        self.add_contract_button.setToolTip("Add a contract")
        self.edit_contract_button = QToolButton()
        self.edit_contract_button.setText("Edit…")
        self.edit_contract_button.setToolTip("Edit or archive this contract")
        self.no_contracts = QLabel("No contracts yet: add the one you work on to start tracking.")
        self.no_contracts.setWordWrap(True)
        self.memo = QLineEdit()
        self.memo.setPlaceholderText("What are you working on?")
        self.memo.setMaxLength(1000)
        self.memo.setAccessibleName("Memo")
        self.recent_memos = QStringListModel(self)
        completer = QCompleter(self.recent_memos, self.memo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.memo.setCompleter(completer)
        self.recent_button = QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setToolTip("This contract's last memos")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self.recent_button)
        self.recent_button.setMenu(self.recent_menu)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip(f"Start or stop the timer ({START_SHORTCUT.toString()})")
        self.start_button.setDefault(True)
        self.elapsed = QLabel("Stopped")
        self.elapsed.setToolTip("Time since you pressed Start")
        self.today = QLabel()
        self.today.setToolTip(
            "This contract's billable time today (since midnight, local time), the running "
            "segment included"
        )
        self.week = QLabel()
        self.week.setToolTip(
            "This contract's billable time this billing week (Monday to Sunday, UTC), the "
            "running segment included, and its weekly limit"
        )
        self.activity = ActivityMeter()
        self.thumbnail = QLabel("No screenshot yet")
        self.thumbnail.setFixedSize(THUMB_WIDTH, THUMB_WIDTH * 9 // 16)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setFrameShape(QLabel.Shape.StyledPanel)
        self.screenshot_time = QLabel("—")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.hide()
        self.undo_archive = QPushButton("Undo")
        self.undo_archive.hide()
        self._archived: int | None = None
        self.diary_button = QPushButton("Work diary")
        self.timesheet_button = QPushButton("Timesheet")
        self.settings_button = QPushButton("Settings")
        # Menu and actions: ui/review_launcher.py.
        self.review_button = QPushButton("Review")
        self.review_button.setToolTip(
            "Review a week as its client: a bundle file, or the client's side of the "
            "marketplace on this computer"
        )
        self.sync_panel = SyncPanel(self._clock, self)
        self.sync_status = self.sync_panel.status

        contract_row = QHBoxLayout()
        contract_row.addWidget(self.contract_picker, 1)
        contract_row.addWidget(self.add_contract_button)
        contract_row.addWidget(self.edit_contract_button)
        memo_row = QHBoxLayout()
        memo_row.addWidget(self.memo, 1)
        memo_row.addWidget(self.recent_button)
        form = QFormLayout()
        form.addRow("Contract", contract_row)
        form.addRow(self.no_contracts)
        form.addRow("Memo", memo_row)
        timer_row = QHBoxLayout()
        timer_row.addWidget(self.start_button)
        timer_row.addWidget(self.elapsed, 1)
        form.addRow(timer_row)
        form.addRow("Today, billable", self.today)
        form.addRow("This week, billable", self.week)
        form.addRow("Activity", self.activity)
        shot = QVBoxLayout()
        shot.addWidget(self.thumbnail)
        shot.addWidget(self.screenshot_time)
        form.addRow("Last screenshot", shot)
        views = QHBoxLayout()
        for button in (
            self.diary_button,
            self.timesheet_button,
            self.review_button,
            self.settings_button,
        ):
            views.addWidget(button)
        views.addStretch(1)
        messages = QHBoxLayout()
        messages.addWidget(self.message, 1)
        messages.addWidget(self.undo_archive, 0, Qt.AlignmentFlag.AlignTop)
        # Top to bottom, what changes size comes last: a message or a longer status line grows
        # into the space above the status, and nothing above it moves.
        layout = QVBoxLayout()
        layout.addLayout(form)
        layout.addLayout(views)
        layout.addLayout(messages)
        layout.addStretch(1)
        layout.addLayout(self.sync_panel.layout)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
        self._central, self._layout = central, layout
        self._contract_dialog: ContractDialog | None = None
        self.diary: DiaryView | None = None
        self.timesheet: TimesheetView | None = None
        self._settings_dialog: SettingsDialog | None = None
        self._notice: ScreenshotNotice | None = None
        self._idle_dialog: IdleDialog | None = None
        self.confirm_delete = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete screenshot?",
            "",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        self.confirm_delete.button(QMessageBox.StandardButton.Yes).setText("Delete")
        self._deleting: Screenshot | None = None
        self.shortcut = QShortcut(START_SHORTCUT, self)
        self.diary_shortcut = QShortcut(DIARY_SHORTCUT, self)
        self.timesheet_shortcut = QShortcut(TIMESHEET_SHORTCUT, self)
        self.settings_shortcut = QShortcut(SETTINGS_SHORTCUT, self)
        self.settings_button.setToolTip(f"Settings ({SETTINGS_SHORTCUT.toString()})")
        self.diary_button.setToolTip(f"The work diary ({DIARY_SHORTCUT.toString()})")
        self.timesheet_button.setToolTip(f"The week's timesheet ({TIMESHEET_SHORTCUT.toString()})")
        self.close_shortcut = QShortcut(CLOSE_SHORTCUT, self)
        self._seconds = QTimer(self)
        self._seconds.setInterval(1000)

    def _connect_signals(self) -> None:
        self.start_button.clicked.connect(self.on_start_clicked)
        self.shortcut.activated.connect(self.on_start_clicked)
        self.memo.editingFinished.connect(self.on_memo_editing_finished)
        self.contract_picker.currentIndexChanged.connect(self.on_contract_changed)
        self._seconds.timeout.connect(self.refresh_elapsed)
        self.confirm_delete.finished.connect(self.on_confirm_delete_finished)
        self.diary_button.clicked.connect(self.on_diary_clicked)
        self.diary_shortcut.activated.connect(self.on_diary_clicked)
        self.timesheet_shortcut.activated.connect(self.on_timesheet_clicked)
        self.timesheet_button.clicked.connect(self.on_timesheet_clicked)
        self.settings_button.clicked.connect(lambda: self.settings_dialog.edit())
        self.settings_shortcut.activated.connect(lambda: self.settings_dialog.edit())
        self.close_shortcut.activated.connect(self.close)
        self.add_contract_button.clicked.connect(lambda: self.contract_dialog.add())
        self.edit_contract_button.clicked.connect(self.on_edit_contract_clicked)
        self.undo_archive.clicked.connect(self.on_undo_archive_clicked)
        self.recent_menu.aboutToShow.connect(self.on_recent_menu_about_to_show)
        self.recent_menu.triggered.connect(self.on_recent_memo_chosen)
        if self._tray is not None:
            self._tray.toggle_requested.connect(self.on_tray_toggle_requested)
            self._tray.open_requested.connect(self.on_open_requested)
            self._tray.quit_requested.connect(self.quit_requested)

    @property
    def settings_dialog(self) -> SettingsDialog:
        if self._settings_dialog is None:
            from .settings_dialog import SettingsDialog

            self._settings_dialog = SettingsDialog(self._data_dir, self, self._autostart)
            self._settings_dialog.saved.connect(self.settings_saved)
        return self._settings_dialog

    @property
    def contract_dialog(self) -> ContractDialog:
        if self._contract_dialog is None:
            from .contract_dialog import ContractDialog

            self._contract_dialog = ContractDialog(self._store, self)
            self._contract_dialog.saved.connect(self.on_contract_saved)
            self._contract_dialog.archived.connect(self.on_contract_archived)
        return self._contract_dialog

    @property
    def notice(self) -> ScreenshotNotice:
        if self._notice is None:
            from .screenshot_notice import ScreenshotNotice

            self._notice = ScreenshotNotice(self._data_dir, self)
            self._notice.delete_requested.connect(self.on_delete_screenshot_requested)
        return self._notice

    @property
    def idle_dialog(self) -> IdleDialog:
        if self._idle_dialog is None:
            from .idle_dialog import IdleDialog

            self._idle_dialog = IdleDialog(self)
            self._idle_dialog.answered.connect(self.idle_answered)
        return self._idle_dialog

    # What the user does ---------------------------------------------------------------------

    def selected_contract(self) -> int | None:
        return chosen_id(self.contract_picker)

    @Slot()
    def on_start_clicked(self) -> None:
        self._toggle()

    def _toggle(self) -> bool:
        """Ask to start or stop; False if something must be fixed first (said in the window)."""
        if self._tracking:
            self.stop_requested.emit()
            return True
        contract = self.selected_contract()
        memo = self.memo.text().strip()
        if contract is None:
            self.show_message("Add a contract first: the time you track is for one.")
            return False
        if not memo:
            self.show_message(
                "Write a memo first: your client sees it on every segment, and marketplaces "
                "require it for payment protection."
            )
            self.memo.setFocus()
            return False
        self.show_message(None)
        self._remember_memo()
        self.start_requested.emit(contract, memo)
        return True

    @Slot()
    def on_memo_editing_finished(self) -> None:
        memo = self.memo.text().strip()
        self._remember_memo()
        if self._tracking and memo:
            self.memo_edited.emit(memo)

    @Slot(int)
    def on_contract_changed(self, index: int) -> None:
        self._recall_memo()
        self._update_tray()
        self.refresh_times()

    @Slot()
    def on_edit_contract_clicked(self) -> None:
        contract = self.selected_contract()
        if contract is not None:
            self.contract_dialog.edit(self._store.contract(contract), self._tracking)

    @Slot(int)
    def on_contract_saved(self, contract_id: int) -> None:
        self.show_message(None)
        self.refresh_contracts(select=contract_id)
        self._contracts_changed()

    @Slot(int)
    def on_contract_archived(self, contract_id: int) -> None:
        contract = self._store.contract(contract_id)
        self.refresh_contracts()
        self._contracts_changed()
        self._archived = contract_id
        self.show_message(
            f"{contract.title} — {contract.client} is archived: it is no longer offered here. "
            "Its recorded time stays in the diary, the timesheet and exports."
        )
        self.undo_archive.show()

    @Slot()
    def on_undo_archive_clicked(self) -> None:
        contract_id, self._archived = self._archived, None
        self.undo_archive.hide()
        if contract_id is None:
            return
        from tracker.contract_book import archive_contract

        try:
            archive_contract(self._store, contract_id, archived=False)
        except TrackerError as error:
            self.show_message(explain(error))
            return
        self.show_message(None)
        self.refresh_contracts(select=contract_id)
        self._contracts_changed()

    def _contracts_changed(self) -> None:
        """The other windows' contract pickers follow (the watcher does not see own edits)."""
        if self.diary is not None:
            self.diary.refresh_contracts()
        if self.timesheet is not None:
            self.timesheet.reload()

    @Slot()
    def on_database_changed(self) -> None:
        """Something was written elsewhere: a segment closed, a contract added in a terminal."""
        self.refresh_contracts()
        if self.diary is not None:
            self.diary.refresh_contracts()
            self.diary.reload()
        if self.timesheet is not None and self.timesheet.isVisible():
            self.timesheet.reload()

    @Slot()
    def on_recent_menu_about_to_show(self) -> None:
        self.recent_menu.clear()
        for memo in self.recent_memos.stringList():
            action = self.recent_menu.addAction(memo.replace("&", "&&"))  # no mnemonics
            action.setData(memo)
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No memos yet for this contract").setEnabled(False)

    @Slot(QAction)
    def on_recent_memo_chosen(self, action: QAction) -> None:
        memo = action.data()
        if isinstance(memo, str):
            self.memo.setText(memo)
            self.on_memo_editing_finished()

    def _memo_key(self) -> str | None:
        contract = self.selected_contract()
        return None if contract is None else f"memos/{contract}"

    def _remember_memo(self) -> None:
        """The memo typed for the selected contract, kept for the next start of the app."""
        key = self._memo_key()
        if key is not None:
            self._ui_state.setValue(key, self.memo.text().strip())

    def _recall_memo(self) -> None:
        """The selected contract's memo as last typed (else its last segment's), and its recent
        memos for the memo field to offer."""
        contract = self.selected_contract()
        recent = self._store.recent_memos(contract, RECENT_MEMOS) if contract is not None else []
        self.recent_memos.setStringList(recent)
        if self._tracking:
            return  # the memo shown is the running segment's
        key = self._memo_key()
        kept = self._ui_state.value(key) if key is not None else None
        self.memo.setText(kept if isinstance(kept, str) else (recent[0] if recent else ""))

    # What the engine says --------------------------------------------------------------------

    @Slot(object)
    def on_engine_event(self, event: EngineEvent) -> None:
        match event:
            case TrackingStarted(at=at, segment=segment):
                self._tracked_contract = segment.contract_id
                self._set_tracking(True, at)
                self._segment(segment.id, segment.start)
            case MinuteRecorded(segment_id=segment_id, minute=minute):
                self._minute(segment_id, minute.start, minute.active)
            case SegmentClosed():
                self.refresh_contracts()
            case ScreenshotTaken(screenshot=shot):
                self._screenshot(shot.thumb_path, shot.taken_at, shot.missing_reason)
                if shot.sha256 is not None:
                    self.notice.show_screenshot(shot)
            case IdleQuestion(start=start, end=end, period_id=period_id):
                self.idle_dialog.ask(period_id, start, end)
            case IdleResolved():
                self.refresh_times()
            case LimitReached(limit_minutes=limit):
                self.show_message(
                    f"The weekly limit of {limit / 60:g} h is reached: tracking stopped. "
                    "Time over the limit would not be paid."
                )
            case TrackingStopped():
                self._set_tracking(False, None)
                self.refresh_contracts()

    @Slot()
    def on_diary_clicked(self) -> None:
        if self.diary is None:
            from .diary_view import DiaryView

            self.diary = DiaryView(self._store, self._clock, self._data_dir, self)
            self.diary.setWindowIcon(self.windowIcon())
            self.diary.resize(self.diary.sizeHint().expandedTo(QSize(1000, 640)))
            self.diary.changed.connect(self.on_diary_changed)
        self.diary.reload()
        self.diary.show()
        self.diary.raise_()

    @Slot()
    def on_diary_changed(self) -> None:
        self.refresh_contracts()
        if self.timesheet is not None:
            self.timesheet.reload()
        self.edited.emit()

    @Slot()
    def on_timesheet_clicked(self) -> None:
        if self.timesheet is None:
            from .timesheet_view import TimesheetView

            self.timesheet = TimesheetView(self._store, self._clock, self)
            self.timesheet.setWindowIcon(self.windowIcon())
            self.timesheet.resize(900, 360)
        self.timesheet.reload()
        self.timesheet.show()
        self.timesheet.raise_()

    @Slot()
    def on_tray_toggle_requested(self) -> None:
        if not self._toggle():  # something to fix first (the memo): show the window
            self.on_open_requested()

    @Slot()
    def on_open_requested(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def showEvent(self, event: QShowEvent) -> None:
        if self._tracking:
            self._seconds.start()
            self.refresh_times()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._seconds.stop()  # nobody sees the seconds tick while the window is in the tray
        super().hideEvent(event)

    def remember_geometry(self) -> None:
        """Keep the window's size and place, and the memo, for the next start (when closed, or
        the app quits)."""
        self._ui_state.setValue("window/geometry", self.saveGeometry())
        self._remember_memo()
        self._ui_state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """With a tray, closing the window keeps tracking there; without one, it quits."""
        self.remember_geometry()
        if self._tray is None:
            event.accept()
            self.quit_requested.emit()
            return
        event.ignore()
        self.hide()
        if not self._ui_state.value("notices/tray", False, type=bool):
            self._ui_state.setValue("notices/tray", True)
            self._tray.notify(
                "Workdiary is still running",
                "Closing the window keeps Workdiary in the tray"
                + (", and tracking goes on." if self._tracking else ".")
                + " Quit from the tray menu to stop.",
            )

    @Slot(object)
    def on_delete_screenshot_requested(self, shot: Screenshot) -> None:
        self._deleting = shot
        start = slot_start(shot.taken_at).astimezone()
        end = start + SEGMENT
        self.confirm_delete.setText(
            f"Delete the screenshot taken at {shot.taken_at.astimezone():%H:%M:%S}? The segment "
            f"{start:%H:%M}-{end:%H:%M} will then not count: its time and activity are removed "
            "from billing, as marketplaces require."
        )
        self.confirm_delete.open()

    @Slot(int)
    def on_confirm_delete_finished(self, result: int) -> None:
        shot, self._deleting = self._deleting, None
        if shot is None or result != QMessageBox.StandardButton.Yes.value:
            return
        try:
            delete_screenshot(self._store, self._data_dir, shot.id)
        except TrackerError as error:
            self.show_message(explain(error))
            return
        self.edited.emit()
        if self._notice is not None:
            self._notice.hide()
        self.thumbnail.setText("Deleted")
        self.screenshot_time.setText("The segment no longer counts.")
        self.refresh_contracts()

    @Slot(str)
    def on_engine_failed(self, message: str) -> None:
        self.show_message(message)

    @Slot(str)
    def on_sync_status(self, text: str) -> None:
        self.sync_panel.show_text(text)
        self._fit_height()

    def first_launch(self) -> bool:
        """True once: on the first start with no marketplace, when one is offered."""
        if self._ui_state.value("marketplace/offered") or link_summary(self._store):
            return False
        self._ui_state.setValue("marketplace/offered", True)
        self._ui_state.sync()
        return True

    @Slot(object)
    def on_signed_in(self, found: dict[str, object]) -> None:
        """Signed in: the marketplace's contracts are in the picker; the first new one chosen."""
        contracts = found.get("contracts")
        first = contracts[0] if isinstance(contracts, list) and contracts else None
        self.refresh_contracts(select=first["id"] if isinstance(first, dict) else None)
        where = (
            "the marketplace on this computer" if found.get("local") else found.get("marketplace")
        )
        self.sync_panel.show_link(f"signed in to {where}", str(found.get("email")))

    @Slot(object)
    def on_signing_report(self, report: SigningReport) -> None:
        """A round of signing and sync ended: the sync line, and the diary's sync marks."""
        self.sync_panel.show_report(report)
        self._fit_height()
        if self.diary is not None:
            self.diary.reload()

    # Showing ---------------------------------------------------------------------------------

    def set_unavailable(self, reason: str) -> None:
        """Tracking cannot work in this session (Wayland, say): say why, keep the rest usable."""
        self.start_button.setEnabled(False)
        self.shortcut.setEnabled(False)
        self.show_message(reason)

    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow the window when wrapped text needs more height than it has at this width, so that
        nothing overlaps; never shrink it (the freelancer may have sized it)."""
        central, layout = self._central, self._layout
        layout.activate()
        needed = max(layout.totalHeightForWidth(central.width()), layout.minimumSize().height())
        if needed > central.height():
            self.resize(self.width(), self.height() + needed - central.height())

    def refresh_contracts(self, select: int | None = None) -> None:
        """The picker's contracts as they are in the store (archived ones leave it), keeping the
        selection unless ``select`` names another; rebuilt only when they changed."""
        wanted = [(c.id, contract_label(c)) for c in self._store.contracts(archived=False)]
        shown = [
            (self.contract_picker.itemData(i), self.contract_picker.itemText(i))
            for i in range(self.contract_picker.count())
        ]
        selected = select if select is not None else self.selected_contract()
        if wanted != shown:
            self.contract_picker.blockSignals(True)
            self.contract_picker.clear()
            for contract_id, label in wanted:
                self.contract_picker.addItem(label, contract_id)
            index = self.contract_picker.findData(selected) if selected is not None else 0
            self.contract_picker.setCurrentIndex(max(0, index))
            self.contract_picker.blockSignals(False)
            if self.selected_contract() != selected:
                self._recall_memo()
        elif select is not None and select != self.selected_contract():
            self.contract_picker.setCurrentIndex(self.contract_picker.findData(select))
        none = not wanted
        self.no_contracts.setVisible(none)
        self.contract_picker.setVisible(not none)
        self.edit_contract_button.setVisible(not none)
        self.add_contract_button.setText("Add a contract…" if none else "Add…")
        self._update_tray()
        self.refresh_times()

    @Slot()
    def refresh_times(self) -> None:
        """Today's and this week's billable time from the store; between the engine's minutes
        they tick on with the session (refresh_elapsed)."""
        contract = self.selected_contract()
        tracked = self._tracking and contract is not None and contract == self._tracked_contract
        self._totals = (
            None
            if contract is None
            else LiveTotals.count(
                self._store, contract, self._clock.now(), self._started_at if tracked else None
            )
        )
        self.refresh_elapsed()

    @Slot()
    def refresh_elapsed(self) -> None:
        """Each second: the session, and today and this week, moving together."""
        now = self._clock.now()
        if self._tracking and self._started_at is not None:
            seconds = int((now - self._started_at).total_seconds())
            self.elapsed.setText(f"Tracking for {clock_text(seconds)}")
        else:
            self.elapsed.setText("Stopped")
        if self._totals is None:
            self.today.setText("—")
            self.week.setText("—")
            return
        today, week = self._totals.at(now)
        limit = self._totals.limit_minutes
        self.today.setText(clock_text(today))
        self.week.setText(clock_text(week) + (f" of {limit / 60:g} h limit" if limit else ""))

    def _set_tracking(self, tracking: bool, at: datetime | None) -> None:
        self._tracking = tracking
        self._started_at = at
        self.start_button.setText("Stop" if tracking else "Start")
        self.contract_picker.setEnabled(not tracking)
        self._update_tray()
        if tracking and self.isVisible():
            self._seconds.start()
        elif not tracking:
            self._seconds.stop()
            self._segment_id = None
        self.refresh_times()

    def _update_tray(self) -> None:
        """The tray says whether tracking runs, and for which contract (the one picked)."""
        if self._tray is not None:
            picked = self.contract_picker.currentText().split(" · ")[0]
            self._tray.set_state(self._tracking, picked or None)

    def _segment(self, segment_id: str, start: datetime) -> None:
        self._segment_id, self._segment_start = segment_id, slot_start(start)
        first = int((start - self._segment_start).total_seconds() // 60)
        self.activity.set_minutes([UNTRACKED] * first)

    def _minute(self, segment_id: str, start: datetime, active: bool) -> None:
        if segment_id != self._segment_id or self._segment_start is None:
            self._segment(segment_id, start)
        assert self._segment_start is not None
        index = int((start - self._segment_start).total_seconds() // 60)
        minutes = self.activity.minutes()
        if 0 <= index < 10:
            minutes[index] = ACTIVE if active else QUIET
        self.activity.set_minutes(minutes)
        self.refresh_times()

    def _recall_screenshot(self) -> None:
        """After a start, today's last screenshot still kept, as shown before the app quit."""
        now = self._clock.now()
        start, _ = LOCAL.day_range(LOCAL.today(now))
        last = last_kept_screenshot(self._store, self._data_dir, start, now)
        if last is not None:
            self._screenshot(last.thumb_path, last.taken_at, None)

    def _screenshot(self, thumb: str | None, taken_at: datetime, missing: str | None) -> None:
        local = taken_at.astimezone().strftime("%H:%M:%S")
        if missing or thumb is None:
            self.thumbnail.setText("No screenshot")
            self.screenshot_time.setText(f"{local}: {missing or 'not available'}")
            return
        pixmap = QPixmap(str(self._data_dir / thumb))
        self.thumbnail.setPixmap(
            pixmap.scaled(
                self.thumbnail.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.screenshot_time.setText(f"Taken at {local}")
