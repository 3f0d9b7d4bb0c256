"""The app in client mode: the client's contracts and their weeks (state and amount) beside the
review of the week chosen, with approve and dispute; or a bundle file opened alone, read-only.
Everything that talks to the marketplace or verifies is a command run in its own process."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from tracker.contract_fields import parse_rate
from tracker.durations import clock_text
from tracker.errors import InvalidInput

from .commands import CommandRunner, problem_text
from .dispute_dialog import DisputeDialog
from .review_source import ReviewSource
from .review_view import ReviewView
from .timesheet_view import money_text

log = logging.getLogger(__name__)


def disputed_texts(disputes: list[dict[str, Any]]) -> dict[str, str]:
    """What each disputed segment's sign says: the dispute's reason, and the mediator's
    decision once there is one (both sides see it)."""
    texts = {}
    for dispute in disputes:
        for segment in dispute["segments"]:
            decided = segment["decision"]
            texts[segment["segment"]] = (
                f"Disputed: {dispute['reason']} (dispute {dispute['id'][:12]}). "
                + (
                    "A mediator decides."
                    if decided is None
                    else f"A mediator decided: {decided['decision']}, {money_text(decided['cents'])} "
                    f"({decided['reason']})."
                )
            )
    return texts


#: Where a week's row keeps which week it is.
WEEK_ROLE = Qt.ItemDataRole.UserRole


class ClientWindow(QMainWindow):
    """``command`` runs this program for the client's data dir (its marketplace sign-in);
    ``marketplace`` is False for a window that only opens bundle files.

    Signals: ``busy_changed(bool)`` (a command is under way), ``review_shown()``."""

    busy_changed = Signal(bool)
    review_shown = Signal()

    def __init__(
        self,
        command: list[str],
        marketplace: bool = True,
        parent: QWidget | None = None,
        account: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            ("Workdiary — review" if marketplace else "Workdiary — a bundle")
            + (f" ({account})" if account else "")
        )
        self.commands = CommandRunner(command, self)
        self.marketplace = marketplace
        self._folder = tempfile.TemporaryDirectory(prefix="workdiary-weeks-")
        #: The week shown: its contract's JSON and the marketplace's week (None: a file).
        self.contract: dict[str, Any] | None = None
        self.week: dict[str, Any] | None = None
        self.bundle: Path | None = None
        self.rate_cents: int | None = None
        self.contracts: list[dict[str, Any]] = []
        #: Reviews of marketplace weeks asked for so far: only the last one's answer shows.
        self._reviews = 0
        #: The week whose review is under way, if one is.
        self._reviewing: tuple[str, str] | None = None
        self._build()
        # Qt opens a window at most 2/3 of the screen unless told its size (1,280 wide on a
        # 1,920 screen, which cuts off the :50 column): told, up to the screen's free area.
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen else self.sizeHint()
        self.resize(self.sizeHint().boundedTo(room))

    def _build(self) -> None:
        self.weeks = QTreeWidget()
        self.weeks.setHeaderLabels(["Contract and week", "State", "Hours", "Amount"])
        self.weeks.setRootIsDecorated(True)
        self.weeks.itemActivated.connect(self.on_week_chosen)
        self.weeks.itemClicked.connect(self.on_week_chosen)
        self.weeks.setVisible(self.marketplace)
        self.review = ReviewView()
        self.placeholder = QLabel(
            "Choose a week on the left to review it."
            if self.marketplace
            else "Open a week's bundle with File > Open bundle… (Ctrl+O)."
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.review)
        splitter = QSplitter()
        splitter.addWidget(self.weeks)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 900])
        self.setCentralWidget(splitter)
        self.dispute_dialog = DisputeDialog(self)
        self.dispute_dialog.confirmed.connect(self.on_dispute_confirmed)
        self.confirm_approve = QMessageBox(self)
        self.confirm_approve.setIcon(QMessageBox.Icon.Question)
        self.confirm_approve.setWindowTitle("Approve the week")
        self.confirm_approve.setStandardButtons(
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel
        )
        self.confirm_approve.button(QMessageBox.StandardButton.Ok).setText("&Approve")
        # Approval cannot be taken back: Enter alone must not give it.
        self.confirm_approve.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm_approve.accepted.connect(self.on_approve_confirmed)
        self.review.approve_requested.connect(self.on_approve_clicked)
        self.review.dispute_requested.connect(self.on_dispute_clicked)
        self.review.report_requested.connect(self.on_report_clicked)
        menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(menu, "&Open bundle…", QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.on_open_clicked)
        self.report_action = self._action(menu, "&Save report…", QKeySequence.StandardKey.Save)
        self.report_action.triggered.connect(self.on_report_clicked)
        self.report_action.setEnabled(False)
        self.refresh_action = self._action(menu, "&Refresh", QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.refresh)
        self.refresh_action.setEnabled(self.marketplace)
        menu.addSeparator()
        close = self._action(menu, "&Close", QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        self.statusBar().showMessage("")

    def _action(self, menu: Any, text: str, keys: QKeySequence.StandardKey) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        menu.addAction(action)
        return action

    def sizeHint(self) -> QSize:
        # Wide enough for the week list and a day grid of six 10-minute columns side by side
        # (the last, :50, is cut off below about 1,330).
        return QSize(1360, 820)

    @Slot()
    def bring_up(self) -> None:
        """Another launch for this data dir asked for the window."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def show_problem(self, text: str) -> None:
        """In the window's middle when no week is shown (the status line cuts long text)."""
        log.warning("%s", text)  # in the log too, for whoever looks into it later
        self.show_message(text)
        if self.review.source is None:
            self.placeholder.setText(text)
            self.stack.setCurrentWidget(self.placeholder)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.review.source is not None:
            self.review.source.close()
            self.review.source = None
        self._folder.cleanup()
        super().closeEvent(event)

    # The client's contracts and weeks ----------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Ask the marketplace for the contracts and weeks again (and the week shown)."""
        if not self.marketplace:
            return
        self.show_message("Asking the marketplace for your contracts…")
        self.commands.run(["weeks", "--json"], self._on_weeks)

    def _on_weeks(self, code: int, out: str, err: str) -> None:
        if code != 0:
            self.show_problem(f"The contracts could not be read: {problem_text(err, code)}")
            return
        self.contracts = json.loads(out)
        chosen = None if self.week is None else (self.week["contract"], self.week["week"])
        self.weeks.clear()
        for item in self.contracts:
            contract = item["contract"]
            top = QTreeWidgetItem(
                [f"{contract['title']} — {contract['freelancer']['name']}", contract["state"]]
            )
            top.setToolTip(0, f"{contract['id']}, {money_text(contract['hourly_rate_cents'])}/h")
            for week in item["weeks"]:
                row = QTreeWidgetItem(
                    [
                        week["week"],
                        week["state"],
                        clock_text(week["billable_seconds"]),
                        money_text(week["amount_cents"]),
                    ]
                )
                row.setData(0, WEEK_ROLE, (contract["id"], week["week"]))
                top.addChild(row)
                if (contract["id"], week["week"]) == chosen:
                    self.weeks.setCurrentItem(row)
            self.weeks.addTopLevelItem(top)
            top.setExpanded(True)
        for column in range(4):
            self.weeks.resizeColumnToContents(column)
        # Wide enough for every column, within reason; the review has the rest.
        wanted = sum(self.weeks.columnWidth(c) for c in range(4)) + 24
        splitter = self.centralWidget()
        assert isinstance(splitter, QSplitter)
        total = sum(splitter.sizes())
        splitter.setSizes([min(wanted, total // 2), total - min(wanted, total // 2)])
        self.show_message(
            f"{len(self.contracts)} contract(s)."
            if self.contracts
            else "No contract of yours has begun. (A mediator decides disputes with the "
            "mediate command: docs/review.md, 'Approving, disputing, mediating'.)"
        )

    @Slot(QTreeWidgetItem)
    def on_week_chosen(self, item: QTreeWidgetItem) -> None:
        chosen = item.data(0, WEEK_ROLE)
        if chosen:
            self.review_week(*chosen)

    def review_week(self, contract_id: str, week: str) -> None:
        """Fetch the week's bundle, verify and review it (a command), and show it. A double
        click (a click, then an activation) asks twice: the review under way is the answer.
        Another week chosen meanwhile is reviewed beside it, into a file of its own, and only
        the week chosen last is shown."""
        if self._reviewing == (contract_id, week):
            return
        self._reviews += 1
        number, self._reviewing = self._reviews, (contract_id, week)
        bundle = Path(self._folder.name) / f"{contract_id}-{week}-{number}.zip"
        self.show_message(f"Verifying week {week}…")
        self.busy_changed.emit(True)
        self.commands.run(
            [
                "review",
                "--contract",
                contract_id,
                "--week",
                week,
                "--json",
                "--save-bundle",
                str(bundle),
            ],
            lambda code, out, err: self._on_week_review(
                number, code, out, err, bundle, contract_id
            ),
        )

    def _on_week_review(
        self, number: int, code: int, out: str, err: str, bundle: Path, contract_id: str
    ) -> None:
        if number != self._reviews:
            bundle.unlink(missing_ok=True)  # a week chosen before the last: not shown
            return
        self._reviewing = None
        self._on_review(code, out, err, bundle, contract_id)

    # A bundle alone ----------------------------------------------------------------------------

    @Slot()
    def on_open_clicked(self) -> QFileDialog:
        dialog = QFileDialog(self, "Open a week's bundle", str(Path.home()), "Bundles (*.zip)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda name: self.open_bundle(Path(name)))
        dialog.open()
        return dialog

    def open_bundle(self, path: Path, rate: str | None = None) -> None:
        """Verify and review a bundle file (read-only); ``rate`` (e.g. "45.00") for amounts."""
        arguments = ["review", "--bundle", str(path), "--json"]
        if rate:
            try:
                parse_rate(rate)
            except InvalidInput as error:
                self.show_message(str(error))
                return
            arguments += ["--rate", rate]
        self.weeks.clearSelection()  # the window is to show this file, not a listed week
        self.show_message(f"Verifying {path.name}…")
        self.busy_changed.emit(True)
        self.commands.run(arguments, lambda code, out, err: self._on_review(code, out, err, path))

    def _on_review(
        self, code: int, out: str, err: str, bundle: Path, contract_id: str | None = None
    ) -> None:
        self.busy_changed.emit(False)
        try:
            found: dict[str, Any] = json.loads(out) if code in (0, 1) else {}
        except ValueError:
            found = {}
        if not found:
            self.show_problem(f"The week could not be reviewed: {problem_text(err, code)}")
            return
        week = found.get("week")
        contract = self._contract(contract_id) if contract_id else None
        disputed = disputed_texts(found.get("disputes", []))
        named = found.get("contract_names", {}).get(found.get("bundle_contract") or "")
        name = (
            f"{named['title']} for {named['client']} (as the bundle states; not signed)"
            if named
            else ""
        )
        source = ReviewSource(found, bundle, disputed=disputed)
        previous = self.bundle
        self.contract, self.week, self.bundle = contract, week, bundle
        if previous not in (None, bundle) and previous.parent == Path(self._folder.name):
            previous.unlink(missing_ok=True)  # fetched anew when its week is chosen again
        self.rate_cents = found["totals"]["rate_cents"]
        if contract is not None and week is not None:
            heading = f"{contract['title']} — {contract['freelancer']['name']}, week {week['week']}"
        else:
            heading = f"{bundle.name}: week {found.get('bundle_week') or '?'}" + (
                f" of {name}" if name else ""
            )
        self.review.show_review(source, heading, week)
        self.stack.setCurrentWidget(self.review)
        self.report_action.setEnabled(True)
        self.show_message(
            "The week verifies." if found["ok"] else "The week does NOT verify: see the ✗ cells."
        )
        self.review_shown.emit()

    def _contract(self, contract_id: str) -> dict[str, Any] | None:
        return next(
            (c["contract"] for c in self.contracts if c["contract"]["id"] == contract_id), None
        )

    # Approving and disputing -------------------------------------------------------------------

    @Slot()
    def on_approve_clicked(self) -> None:
        week = self.week
        if week is None or self.review.source is None:
            return
        payable = week["amount_cents"] - week["held_cents"] - week["refunded_cents"]
        freelancer = "the freelancer" if self.contract is None else self.contract["freelancer"]
        name = freelancer if isinstance(freelancer, str) else freelancer["name"]
        if week["state"] == "disputed":
            self.confirm_approve.setText(
                f"Approve the rest of week {week['week']}? {money_text(payable)} is released to "
                f"{name} on {week['releases_at'][:10]}; {money_text(week['held_cents'])} stays "
                "held until a mediator decides. You cannot dispute more of this week after."
            )
        else:
            self.confirm_approve.setText(
                f"Approve week {week['week']}? {money_text(payable)} "
                f"({clock_text(week['billable_seconds'])} billable) is released to {name} on "
                f"{week['releases_at'][:10]}. An approved week cannot be disputed any more."
            )
        self.confirm_approve.open()

    @Slot()
    def on_approve_confirmed(self) -> None:
        week = self.week
        if week is None:
            return
        self._act(["approve", "--contract", week["contract"], "--week", week["week"]])

    @Slot(list)
    def on_dispute_clicked(self, segments: list[str]) -> None:
        source = self.review.source
        if source is None or self.week is None or not segments:
            return
        self.dispute_dialog.ask([source.segment(s) for s in segments], int(self.week["rate_cents"]))

    @Slot(list, str)
    def on_dispute_confirmed(self, segments: list[str], reason: str) -> None:
        week = self.week
        if week is None:
            return
        chosen = [a for s in segments for a in ("--segment", s)]
        self._act(
            [
                "dispute",
                "--contract",
                week["contract"],
                "--week",
                week["week"],
                *chosen,
                "--reason",
                reason,
                "--yes",
            ]
        )

    def _act(self, arguments: list[str]) -> None:
        week = self.week
        assert week is not None
        self.show_message(f"{arguments[0].capitalize()}: asking the marketplace…")

        def done(code: int, out: str, err: str) -> None:
            if code != 0:
                self.show_message(f"Refused: {problem_text(err, code)}")
                return
            self.show_message(" ".join(out.split()))
            self.refresh()
            self.review_week(week["contract"], week["week"])

        self.commands.run(arguments, done)

    # The report --------------------------------------------------------------------------------

    @Slot()
    def on_report_clicked(self) -> None:
        if self.bundle is None:
            return
        name = (self.week or {}).get("week") or self.bundle.stem
        # Beside a bundle opened from a file; a fetched one is in a temporary folder.
        folder = Path.home() if self.week is not None else self.bundle.parent
        dialog = QFileDialog(self, "Save the week as a report", str(folder / f"{name}.html"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Web pages (*.html)")
        dialog.fileSelected.connect(lambda out: self.save_report(Path(out)))
        dialog.open()

    def save_report(self, out: Path) -> None:
        """The HTML report of the week shown, from its bundle, at its rate."""
        if self.bundle is None:
            return
        arguments = ["review", "--bundle", str(self.bundle), "--html", str(out)]
        if self.rate_cents is not None:
            arguments += ["--rate", f"{self.rate_cents // 100}.{self.rate_cents % 100:02d}"]

        def done(code: int, out_text: str, err: str) -> None:
            if out.exists() and code in (0, 1):
                self.show_message(f"Saved the report to {out}.")
            else:
                self.show_message(f"The report was not saved: {problem_text(err, code)}")

        self.commands.run(arguments, done)
