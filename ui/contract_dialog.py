"""Add or edit one of the freelancer's own contracts, or archive it, with the command line's rules."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from tracker.contract_book import ContractForm, add_contract, archive_contract, edit_contract
from tracker.errors import TrackerError
from tracker.records import Contract
from tracker.store import Store

from .messages import explain
from .refusal_label import RefusalLabel


class ContractDialog(QDialog):
    """Signals: ``saved(int)`` (the contract's id, added or changed), ``archived(int)``."""

    saved = Signal(int)
    archived = Signal(int)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._editing: int | None = None
        self.title = QLineEdit()
        self.title.setPlaceholderText("Website redesign")
        self.client = QLineEdit()
        self.client.setPlaceholderText("Acme Inc.")
        self.rate = QLineEdit()
        self.rate.setPlaceholderText("45.00")
        self.weekly_limit = QLineEdit()
        self.weekly_limit.setPlaceholderText("0 (no limit)")
        self.manual_allowed = QCheckBox("Manual time allowed")
        self.manual_allowed.setToolTip(
            "Whether you may add time by hand to this contract. It is shown as manual and is "
            "not covered by payment protection."
        )
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.error = RefusalLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.archive_button = QPushButton("Archive")
        self.archive_button.setToolTip(
            "Take the contract out of the picker. Its recorded time stays in the diary, the "
            "timesheet and exports."
        )
        self.buttons.addButton(self.archive_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.setMinimumWidth(26 * self.fontMetrics().height())
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Client", self.client)
        form.addRow("Hourly rate", self.rate)
        form.addRow("Weekly limit (hours)", self.weekly_limit)
        form.addRow(self.manual_allowed)
        form.addRow(self.note)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.buttons.accepted.connect(self.on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        self.archive_button.clicked.connect(self.on_archive_clicked)

    def add(self) -> None:
        """Open empty, for a new contract."""
        self._editing = None
        self.setWindowTitle("Add a contract")
        self._fill(ContractForm("", "", "", "0"))
        self.note.setText("Your own contract, on this device. The weekly limit is 0 for none.")
        self.archive_button.hide()
        self.adjustSize()  # room for wrapped notes, at the width they now need
        self.open()

    def edit(self, contract: Contract, tracking: bool) -> None:
        """Open filled in with ``contract``; archiving is refused while it is being tracked."""
        self._editing = contract.id
        self.setWindowTitle(f"Edit contract {contract.id}")
        self._fill(ContractForm.of(contract))
        self.note.setText(
            "A new title, client or rate shows everywhere, on time already recorded too."
            + (" A new weekly limit applies from the next start." if tracking else "")
        )
        self.archive_button.show()
        self.archive_button.setEnabled(not tracking)
        self.archive_button.setToolTip(
            "Stop tracking first." if tracking else self.archive_button.toolTip()
        )
        self.adjustSize()  # room for wrapped notes, at the width they now need
        self.open()

    def _fill(self, form: ContractForm) -> None:
        self.title.setText(form.title)
        self.client.setText(form.client)
        self.rate.setText(form.rate)
        self.weekly_limit.setText(form.weekly_limit)
        self.manual_allowed.setChecked(form.manual_allowed)
        self.error.say("")
        self.title.setFocus()

    def form(self) -> ContractForm:
        return ContractForm(
            self.title.text(),
            self.client.text(),
            self.rate.text(),
            self.weekly_limit.text() or "0",
            self.manual_allowed.isChecked(),
        )

    @Slot()
    def on_save_clicked(self) -> None:
        try:
            if self._editing is None:
                contract = add_contract(self._store, self.form())
            else:
                contract = edit_contract(self._store, self._editing, self.form())
        except TrackerError as error:
            self.error.say(explain(error))
            return
        self.accept()
        self.saved.emit(contract.id)

    @Slot()
    def on_archive_clicked(self) -> None:
        if self._editing is None:
            return
        try:
            contract = archive_contract(self._store, self._editing)
        except TrackerError as error:
            self.error.say(explain(error))
            return
        self.accept()
        self.archived.emit(contract.id)
