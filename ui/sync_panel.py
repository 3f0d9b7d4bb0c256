"""The main window's sync line: signed in or not (and a button to change it), what waits to reach
the marketplace, the last sync, why it stopped; and a warning when time that has not reached the
marketplace nears its week's lock (Monday 12:00 UTC), a stronger one once it missed it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from diary.times import LOCK_AFTER, parse_timestamp
from sync.signing import SigningReport
from tracker.clock import Clock
from tracker.durations import duration_text

from .messages import advice

NOT_CONNECTED = "Sync: not connected to a marketplace."
#: Time that has not reached the marketplace this long before its week locks is warned about.
WARN_BEFORE_LOCK = timedelta(hours=24)
#: A round at the next attempt starts this much after it (the sign process compares clocks).
ROUND_SLACK = timedelta(seconds=1)
WARNING_STYLE = "color: #8a5a00;"
MISSED_STYLE = "color: #b3261e; font-weight: bold;"


def signing_text(report: SigningReport) -> str:
    """What signing says: everything signed, or why records wait."""
    if report.problem:
        more = advice(report.code)
        if report.waiting == 0:  # nothing tracked yet: what will wait, and why
            said = f"Nothing can be signed here yet: {report.problem}"
        else:
            waiting = f"{report.waiting} record(s)" if report.waiting > 0 else "Records"
            said = f"{waiting} wait to be signed: {report.problem}"
        return said + (f" {more}" if more else "")
    return "Everything recorded is signed on this device."


def status_line(report: SigningReport, now: datetime) -> str:
    """The whole sync line after a round of signing (and of sync, when signed in)."""
    status = report.status
    if status is None:
        return f"{NOT_CONNECTED} {signing_text(report)}"
    where = (
        "the marketplace on this computer"
        if status.get("local")
        else str(status.get("marketplace"))
    )
    records, shots = status.get("waiting_records", 0), status.get("waiting_screenshots", 0)
    if status.get("signed_in") is False:
        waits = (
            f"{records} record(s) and {shots} screenshot(s) wait here until you sign in again."
            if records or shots
            else "What you track waits here until you sign in again."
        )
        return f"Sync: signed out of {where} ({status.get('email')}). {waits}"
    parts = [f"Sync: signed in to {where} as {status.get('email')}."]
    if records or shots:
        parts.append(f"{records} record(s) and {shots} screenshot(s) wait to be uploaded.")
    else:
        parts.append("Everything signed is uploaded and receipted.")
    parts.append(f"Last successful sync: {_ago(status.get('last_success'), now)}.")
    parts += _why_stopped(report.sync or {}, status, now)
    if report.problem:
        parts.append(signing_text(report))
    return " ".join(parts)


def _why_stopped(synced: dict[str, Any], status: dict[str, Any], now: datetime) -> list[str]:
    if status.get("refused_code"):
        return [
            f"The marketplace refused a record ({status['refused_code']}): "
            f"{status.get('refused_detail') or ''} Nothing after it is uploaded."
        ]
    if synced.get("problem"):
        return [str(synced["problem"])]
    if status.get("next_attempt") and status.get("last_error"):
        moment = parse_timestamp(status["next_attempt"])
        when = "now" if moment <= now else f"in {duration_text(_seconds(moment - now))}"
        return [f"{status['last_error']} Next try {when}."]
    return []


def lock_warning(locks_at: str | None, now: datetime) -> tuple[str, str] | None:
    """(text, style) when time that has not reached the marketplace is within a day of its
    week's lock, or missed it; else None."""
    if locks_at is None:
        return None
    lock = parse_timestamp(locks_at)
    week = f"the week of Monday {lock - LOCK_AFTER:%Y-%m-%d}"
    if now >= lock:
        return (
            f"Time of {week} did not reach the marketplace before the week locked "
            f"({lock:%A %Y-%m-%d} 12:00 UTC): the marketplace refuses it, so it is not billed, "
            "and what this computer recorded after it waits behind it. Tell your client.",
            MISSED_STYLE,
        )
    if lock - now <= WARN_BEFORE_LOCK:
        return (
            f"Time of {week} has not reached the marketplace, and that week locks "
            f"{lock:%A} at 12:00 UTC (in {duration_text(_seconds(lock - now))}). Connect to the "
            "internet so that it can be uploaded before then.",
            WARNING_STYLE,
        )
    return None


def _ago(stamp: str | None, now: datetime) -> str:
    if stamp is None:
        return "never"
    seconds = _seconds(now - parse_timestamp(stamp))
    return "just now" if seconds < 60 else f"{duration_text(seconds)} ago"


def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def next_round(status: dict[str, Any] | None, now: datetime) -> timedelta | None:
    """How long until the next round of sync should run when nothing else starts one (no
    segment closes): at the next attempt after the marketplace could not be reached; None
    otherwise (a refusal is sent again with the next segment, never on a timer that would read
    the keyring every few minutes for a record that may never be taken)."""
    if status is None or status.get("signed_in") is False or not status.get("next_attempt"):
        return None
    return max(parse_timestamp(status["next_attempt"]) - now, timedelta(0)) + ROUND_SLACK


class SyncPanel(QObject):
    """The sync line's widgets, in ``layout`` (a layout, not a widget of its own: the window's
    layout then sizes the wrapped line at once, when it grows). Signals: ``sign_in_requested()``,
    ``sign_out_requested()``, ``round_due()`` (a round of sync is due and nothing else will
    start one: the app then runs a round of signing, which syncs)."""

    sign_in_requested = Signal()
    sign_out_requested = Signal()
    round_due = Signal()

    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._report: SigningReport | None = None
        self.status = QLabel(NOT_CONNECTED)
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Room for two lines from the start: the status arrives a few seconds after launch and
        # must not push anything around when it does.
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing())
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.account_button = QPushButton("Sign in…")
        self.account_button.setToolTip("Sign in to a marketplace to upload your work diary")
        self.account_button.clicked.connect(self._on_account_clicked)
        self._signed_in = False
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.account_button, 0, Qt.AlignmentFlag.AlignTop)
        self.layout = QVBoxLayout()
        self.layout.addWidget(self.warning)
        self.layout.addLayout(row)
        # The line says "5 min ago" and the lock comes nearer: both are read again each minute.
        self._minutes = QTimer(self)
        self._minutes.setInterval(60_000)
        self._minutes.timeout.connect(self.refresh)
        self._minutes.start()
        self._round = QTimer(self)
        self._round.setSingleShot(True)
        self._round.timeout.connect(self.round_due)

    def show_link(self, where: str, email: str) -> None:
        """Signed in (as the database says) before the first round has reported."""
        self.set_signed_in(True)
        self.status.setText(f"Sync: {where}, as {email}: checking what waits…")

    def set_signed_in(self, signed_in: bool) -> None:
        self._signed_in = signed_in
        self.account_button.setText("Sign out" if signed_in else "Sign in…")
        self.account_button.setToolTip(
            "Sign this device out of its marketplace (what waits stays here)"
            if signed_in
            else "Sign in to a marketplace to upload your work diary"
        )

    def show_report(self, report: SigningReport) -> None:
        if report.status is None and report.waiting < 0 and self._report is not None:
            # The round itself failed (timed out, did not start): sync stands where it stood.
            report = replace(report, status=self._report.status, sync=self._report.sync)
        self._report = report
        status = report.status
        self.set_signed_in(status is not None and status.get("signed_in") is not False)
        self.refresh()
        wait = next_round(status, self._clock.now())
        if wait is None:
            self._round.stop()
        else:
            self._round.start(int(wait.total_seconds() * 1000))

    def show_text(self, text: str) -> None:
        """A line of its own (signing in or out is under way, say) until the next report."""
        self.status.setText(text)

    @Slot()
    def refresh(self) -> None:
        if self._report is None:
            return
        now = self._clock.now()
        self.status.setText(status_line(self._report, now))
        status = self._report.status or {}
        warning = lock_warning(status.get("locks_at"), now)
        self.warning.setVisible(warning is not None)
        if warning is not None:
            self.warning.setText(warning[0])
            self.warning.setStyleSheet(warning[1])

    def _on_account_clicked(self) -> None:
        (self.sign_out_requested if self._signed_in else self.sign_in_requested).emit()
