"""The marketplace on this computer: the reference server (`serve --demo`) on 127.0.0.1, its data
in the device's data dir, started by whoever needs it first (the app for as long as it runs, or a
command for as long as it runs) and found again by the others while it runs.

Nothing here speaks HTTP, so the app can start and stop it without loading an HTTP client."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import EnvironmentProblem

#: The marketplace's data dir inside the device's (the same default as `serve`).
LOCAL_DIR = "marketplace"
#: Which process serves it, and where: {"pid": ..., "url": ...}; kept after it stops, so that
#: the next start takes the same port when it is free (and the device's link its address).
SERVER_FILE = "server.json"
#: What the server prints; the first line of it that names the address says it is listening.
LOG_FILE = "server.log"
#: The demo's logins, kept by `serve --demo` in its data dir (marketplace/demo.py).
DEMO_LOGINS = "demo-logins.json"
READY_LINE = "Marketplace at "
START_SECONDS = 60.0
STOP_SECONDS = 10.0


class LocalMarketplaceFailed(EnvironmentProblem):
    """The marketplace on this computer could not be started, or has no demo login."""

    code = "local-marketplace-failed"


@dataclass
class LocalServer:
    """A running local marketplace; ``process`` is set when this process started it (and so
    stops it), None when it was found running."""

    url: str
    process: subprocess.Popen[bytes] | None
    server_file: Path

    def stop(self) -> None:
        """Stop the server if this process started it; a found one is left running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: requests in flight finish, the database closes
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # The server file stays: its port is the one the next start tries first.


class LocalMarketplace:
    """The local marketplace of one data dir. ``program`` is how this program runs itself
    (composition.own_command)."""

    def __init__(self, data_dir: Path, program: Sequence[str]) -> None:
        self.dir = data_dir / LOCAL_DIR
        self.program = list(program)

    def running(self) -> str | None:
        """The address of the local marketplace if one runs now, else None."""
        found = self._server_file()
        if found is None:
            return None
        pid, url = found
        return url if _alive(pid) and _listening(url) else None

    def start(self) -> LocalServer:
        """The running local marketplace, or a new one started on 127.0.0.1 (the port it had
        before if that is free, so the device's link keeps its address)."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._start_lock():
            url = self.running()
            if url is not None:
                return LocalServer(url, None, self.dir / SERVER_FILE)
            return self._spawn()

    def demo_login(self, role: str) -> tuple[str, str]:
        """The email and password of the demo account with ``role`` (freelancer, client)."""
        path = self.dir / DEMO_LOGINS
        try:
            logins = json.loads(path.read_text(encoding="utf-8"))["logins"]
            found = next(x for x in logins if x["role"] == role)
            return str(found["email"]), str(found["password"])
        except (OSError, ValueError, KeyError, TypeError, StopIteration) as error:
            raise LocalMarketplaceFailed(
                f"The local marketplace's demo logins ({path}) cannot be read ({error}). "
                f"Restore the folder {self.dir} from a backup: a new one would not hold the "
                "records this device uploaded to it."
            ) from error

    def _spawn(self) -> LocalServer:
        port = _free_or_zero(self._server_file())
        try:
            return self._spawn_on(port)
        except LocalMarketplaceFailed:
            if port == 0:
                raise
            return self._spawn_on(0)  # the old port was taken between the probe and the bind

    def _spawn_on(self, port: int) -> LocalServer:
        log = self.dir / LOG_FILE
        command = [
            *self.program,
            "serve",
            "--demo",
            "--port",
            str(port),
            "--data",
            str(self.dir),
            "--parent-pid",
            str(os.getpid()),
        ]
        # Private: the demo's passwords are in what the server prints.
        handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(log, 0o600)  # a log left by an earlier start keeps its mode otherwise
        with os.fdopen(handle, "wb") as output:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
            )
        url = _wait_ready(process, log)
        server_file = self.dir / SERVER_FILE
        server_file.write_text(json.dumps({"pid": process.pid, "url": url}), encoding="utf-8")
        return LocalServer(url, process, server_file)

    def _server_file(self) -> tuple[int, str] | None:
        try:
            found = json.loads((self.dir / SERVER_FILE).read_text(encoding="utf-8"))
            return int(found["pid"]), str(found["url"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        """One starter at a time: the app and a signing round starting it at once would make
        two servers on one database."""
        with (self.dir / "start.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_ready(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if line.startswith(READY_LINE):
                return line[len(READY_LINE) :].split(" ", 1)[0]
        if process.poll() is not None:
            raise LocalMarketplaceFailed(
                "The marketplace on this computer did not start: "
                + (text.strip().splitlines() or [f"exit code {process.returncode}"])[-1]
            )
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise LocalMarketplaceFailed(
        f"The marketplace on this computer did not start within {START_SECONDS:.0f} s; what it "
        f"said is in {log}."
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def _listening(url: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", _port(url)), timeout=2.0):
            return True
    except (OSError, ValueError):
        return False


def _free_or_zero(previous: tuple[int, str] | None) -> int:
    """The port the server had before if nothing listens there now, else 0 (any free one)."""
    if previous is None:
        return 0
    try:
        port = _port(previous[1])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As the server binds: a port whose last connections wait out TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
        return port
    except (OSError, ValueError):
        return 0
