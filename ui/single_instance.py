"""One app a data dir: the running app listens on a local socket, and a second launch asks it to
bring its window up instead of starting (or, later, to quit)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

#: What a second launch may ask; the running app answers "ok".
SHOW = b"show"
#: How long a second launch waits for the running app.
ASK_TIMEOUT_MS = 3000


def socket_name(data_dir: Path) -> str:
    """One name a data dir (Qt puts the socket in the temporary directory)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:24]
    return f"workdiary-{digest}"


class InstanceServer(QObject):
    """Signals: ``show_requested()`` when another launch for the same data dir asks for the
    window."""

    show_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = socket_name(data_dir)
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self.on_new_connection)

    def listen(self) -> bool:
        """Start listening; only the app that holds the data dir's lock calls this, so a socket
        left behind by a crashed app can be removed first."""
        QLocalServer.removeServer(self._name)
        if not self._server.listen(self._name):
            log.warning("cannot listen for other launches: %s", self._server.errorString())
            return False
        return True

    @Slot()
    def on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.readyRead.connect(lambda c=connection: self._answer(c))
            connection.disconnected.connect(connection.deleteLater)

    def _answer(self, connection: QLocalSocket) -> None:
        request = bytes(connection.readAll().data()).strip()
        if request == SHOW:
            connection.write(b"ok\n")
            connection.flush()
            self.show_requested.emit()
        connection.disconnectFromServer()


def ask_running_app(data_dir: Path, request: bytes = SHOW) -> bool:
    """Ask the app already running for this data dir to do ``request``; False if none answers."""
    socket = QLocalSocket()
    socket.connectToServer(socket_name(data_dir))
    if not socket.waitForConnected(ASK_TIMEOUT_MS):
        return False
    socket.write(request + b"\n")
    socket.waitForBytesWritten(ASK_TIMEOUT_MS)
    answered = socket.waitForReadyRead(ASK_TIMEOUT_MS)
    reply = bytes(socket.readAll().data()).strip() if answered else b""
    socket.disconnectFromServer()
    return reply == b"ok"
