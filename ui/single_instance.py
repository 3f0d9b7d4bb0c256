"""One app a data dir: the running app listens on a Unix socket that only this user can reach;
a second launch asks it to bring its window up instead of starting, or (``--quit``) to quit."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import zlib
from pathlib import Path

from PySide6.QtCore import QObject, QSocketNotifier, Signal, Slot

log = logging.getLogger(__name__)

#: What a second launch may ask; the running app answers "ok".
SHOW = b"show"
QUIT = b"quit"
REQUESTS = (SHOW, QUIT)
#: How long either side waits for the other, in seconds.
TIMEOUT_SECONDS = 3.0


def socket_path(data_dir: Path) -> Path:
    """One socket a data dir, in a directory of this user's alone (XDG_RUNTIME_DIR, or one
    made in the temporary directory with mode 0700)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) if runtime and Path(runtime).is_dir() else None
    if folder is None:
        folder = Path(tempfile.gettempdir()) / f"workdiary-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
    # A CRC, not SHA-256: hashlib would load OpenSSL (3.6 MB) into an app that does not need it
    # until its first screenshot; one user's data dirs do not collide in 32 bits by chance.
    digest = zlib.crc32(str(data_dir.resolve()).encode())
    return folder / f"workdiary-{digest:08x}.sock"


def _private(folder: Path) -> bool:
    """Whether only this user can reach sockets in ``folder``."""
    found = folder.stat()
    return found.st_uid == os.getuid() and not found.st_mode & 0o077


class InstanceServer(QObject):
    """Signals: ``show_requested()`` when another launch for the same data dir asks for the
    window, ``quit_requested()`` when it asks the app to quit. Python's own socket, watched by
    the event loop (no QtNetwork: 3 MB less)."""

    show_requested = Signal()
    quit_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path = socket_path(data_dir)
        self._socket: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None

    def listen(self) -> bool:
        """Start listening. Only the app that holds the data dir's lock calls this, so a socket
        left behind by an app that crashed can be removed first."""
        if not _private(self._path.parent):
            log.warning("not listening for other launches: %s is not private", self._path.parent)
            return False
        try:
            self._path.unlink(missing_ok=True)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(self._path))
            server.listen(4)
            server.setblocking(False)
        except OSError as error:
            log.warning("cannot listen for other launches at %s: %s", self._path, error)
            return False
        self._socket = server
        self._notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self.on_connection)
        return True

    @Slot()
    def on_connection(self) -> None:
        assert self._socket is not None
        try:
            connection, _ = self._socket.accept()
        except BlockingIOError:
            return
        with connection:
            connection.settimeout(TIMEOUT_SECONDS)
            try:
                request = connection.recv(64).strip()
                if request in REQUESTS:
                    connection.sendall(b"ok\n")
            except OSError as error:
                log.warning("a launch's request failed: %s", error)
                return
        if request == SHOW:
            self.show_requested.emit()
        elif request == QUIT:
            self.quit_requested.emit()

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
            with contextlib.suppress(OSError):
                self._path.unlink()


def ask_running_app(data_dir: Path, request: bytes = SHOW) -> bool:
    """Ask the app already running for this data dir to do ``request``; False if none answers."""
    path = socket_path(data_dir)
    if not path.exists() or not _private(path.parent):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(TIMEOUT_SECONDS)
        try:
            client.connect(str(path))
            client.sendall(request + b"\n")
            return client.recv(16).strip() == b"ok"
        except OSError:
            return False
