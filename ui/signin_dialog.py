"""Sign in to a marketplace: the one on this computer (a demo, nothing to set up), or another by
its address, email and password."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .refusal_label import RefusalLabel

INTRO = (
    "Workdiary uploads your signed work diary to the marketplace where your client hired you: "
    "your client reviews it there, and it releases the week's payment. Until you sign in, "
    "everything stays on this computer, and tracking works all the same."
)
LOCAL = (
    "A marketplace that runs on this computer while Workdiary does, with a demo client and a "
    "demo contract: to see the whole loop (track, upload, receipts) without an account."
)


class SignInDialog(QDialog):
    """Signals: ``local_chosen()``, ``sign_in_chosen(str, str, str)`` (address, email,
    password). The dialog stays open, busy, until ``finish`` or ``fail`` is called."""

    local_chosen = Signal()
    sign_in_chosen = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to a marketplace")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.local_button = QPushButton("&Use a marketplace on this computer")
        self.local_button.setAccessibleName("Use a marketplace on this computer")
        local_note = QLabel(LOCAL)
        local_note.setWordWrap(True)
        local_note.setStyleSheet("color: palette(placeholder-text);")
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://marketplace.example")
        self.url.setAccessibleName("Marketplace address")
        self.email = QLineEdit()
        self.email.setPlaceholderText("you@example.com")
        self.email.setAccessibleName("Email")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.sign_in_button = QPushButton("Sign in")
        # Enter in a field signs in (returnPressed below); no button is the dialog's default,
        # so Enter never closes it or starts the local marketplace by surprise.
        for button in (self.local_button, self.sign_in_button):
            button.setAutoDefault(False)
        form = QFormLayout()
        form.addRow("Marketplace", self.url)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("", self.sign_in_button)
        self.busy = QLabel()
        self.busy.setWordWrap(True)
        self.busy.hide()
        self.error = RefusalLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        not_now = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        not_now.setText("Not now")
        not_now.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.local_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(local_note)
        layout.addWidget(line)
        layout.addWidget(QLabel("Or sign in to your marketplace:"))
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.local_button.clicked.connect(self.on_local_clicked)
        self.sign_in_button.clicked.connect(self.on_sign_in_clicked)
        for field in (self.url, self.email, self.password):
            field.returnPressed.connect(self.on_sign_in_clicked)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(30 * self.fontMetrics().height())

    def ask(self, url: str = "", email: str = "") -> None:
        """Show the dialog afresh (the password field empty), with the marketplace and the
        email of the last sign-in, if any."""
        self.password.clear()
        if url and not self.url.text():
            self.url.setText(url)
        if email and not self.email.text():
            self.email.setText(email)
        self.error.say("")
        self._set_busy("")
        self.open()
        (self.password if self.url.text() else self.url).setFocus()

    @Slot()
    def on_local_clicked(self) -> None:
        self._set_busy("Starting the marketplace on this computer and signing in…")
        self.local_chosen.emit()

    @Slot()
    def on_sign_in_clicked(self) -> None:
        url, email = self.url.text().strip(), self.email.text().strip()
        if not url or not email or not self.password.text():
            self.error.say("Fill in the marketplace's address, your email and your password.")
            return
        if "://" not in url:
            url = f"https://{url}"
            self.url.setText(url)
        self._set_busy(f"Signing in to {url}…")
        self.sign_in_chosen.emit(url, email, self.password.text())

    def finish(self) -> None:
        self.password.clear()
        self._set_busy("")
        self.accept()

    def fail(self, message: str) -> None:
        self._set_busy("")
        self.error.say(message)

    def _set_busy(self, text: str) -> None:
        self.busy.setText(text)
        self.busy.setVisible(bool(text))
        for widget in (self.local_button, self.sign_in_button, self.url, self.email):
            widget.setEnabled(not text)
        self.password.setEnabled(not text)
        if text:
            self.error.say("")
