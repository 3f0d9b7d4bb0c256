"""The marketplace on this computer: the reference server (`serve --demo`) on 127.0.0.1, its data
in the device's data dir, started by whoever needs it first (the app for as long as it runs, or a
command for as long as it runs) and found again by the others while it runs. Its other sides (the
demo client, the demo mediator) sign in from data dirs of their own that share its folder.

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
#: The data dirs of a data dir's other sides, one a demo role: <data dir>/sides/<role>/.
SIDES_DIR = "sides"
SIDES = ("client", "mediator")
READY_LINE = "Marketplace at "
START_SECONDS = 60.0
STOP_SECONDS = 10.0


class LocalMarketplaceFailed(EnvironmentProblem):
    """The marketplace on this computer could not be started, or has no demo login."""

    code = "local-marketplace-failed"


class SideNotShared(EnvironmentProblem):
    """A side's marketplace folder is not the link to its data dir's: it would be another
    marketplace."""

    code = "side-not-shared"


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
    (composition.own_command); ``serve_options`` are more options for the `serve` it starts
    (the tests give it a --clock-file)."""

    def __init__(
        self, data_dir: Path, program: Sequence[str], serve_options: Sequence[str] = ()
    ) -> None:
        self.dir = data_dir / LOCAL_DIR
        self.program = list(program)
        self.serve_options = list(serve_options)

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
        """The email and password of the demo account with ``role`` (freelancer, client,
        mediator)."""
        logins, _ = self._demo()
        if role not in logins:
            raise LocalMarketplaceFailed(
                f"The local marketplace's demo logins ({self.dir / DEMO_LOGINS}) hold no {role}."
            )
        return logins[role]

    def demo_contract(self) -> str:
        """The marketplace's id (m-...) of the demo contract between its demo client and
        freelancer."""
        return self._demo()[1]

    def _demo(self) -> tuple[dict[str, tuple[str, str]], str]:
        """The demo's logins by role, and its contract."""
        path = self.dir / DEMO_LOGINS
        try:
            demo = json.loads(path.read_text(encoding="utf-8"))
            logins = {str(x["role"]): (str(x["email"]), str(x["password"])) for x in demo["logins"]}
            return logins, str(demo["contract"])
        except (OSError, ValueError, KeyError, TypeError) as error:
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
            *self.serve_options,
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


def side_data_dir(data_dir: Path, role: str) -> Path:
    """The data dir of ``role``'s side of ``data_dir``'s local marketplace (made if needed):
    ``<data_dir>/sides/<role>/``, private, with its own database and sign-in (one data dir, one
    account), whose marketplace folder is a link to ``data_dir``'s. So the side finds the
    server that ``data_dir``'s app or commands started, and starts one on that same folder when
    none runs (the start lock is the same file)."""
    if role not in SIDES:
        raise ValueError(f"no side {role!r}: one of {', '.join(SIDES)}")
    shared = data_dir / LOCAL_DIR
    side = data_dir / SIDES_DIR / role
    for folder in (shared, side.parent, side):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir leaves a folder made earlier as it was
    link = side / LOCAL_DIR
    target = Path("..", "..", LOCAL_DIR)  # relative: the data dir may be moved whole
    with contextlib.suppress(FileExistsError):  # a side made at the same moment
        link.symlink_to(target, target_is_directory=True)
    if not link.is_symlink() or link.resolve() != shared.resolve():
        raise SideNotShared(
            f"{link} is not a link to {shared}: it would be a marketplace of its own, not the "
            f"one this side shares. Move it away, and the link is made again."
        )
    return side


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
