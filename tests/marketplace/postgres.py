"""A real PostgreSQL for the tests: Debian's server binaries (initdb, postgres) run in a
temporary directory on 127.0.0.1 and a free port, as the user ``nobody`` when the tests run as
root (PostgreSQL refuses to run as root), with a fresh database for whoever asks.

No fsync: a database the tests throw away needs no crash safety, and it makes each commit a
memory write."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from tests.waiting import wait_until

#: The superuser initdb makes; connections from 127.0.0.1 are trusted (no password).
USER = "workdiary"
#: Where Debian's postgresql package puts the server's programs.
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"
_databases = itertools.count(1)


class PostgresMissing(Exception):
    """No PostgreSQL server programs on this machine."""


def binaries() -> Path:
    """The folder of initdb and postgres: on PATH, or the newest of Debian's."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob(DEBIAN_BINARIES), key=lambda p: int(Path(p).parent.name.split(".")[0])
    )
    if versions and (Path(versions[-1]) / "initdb").exists():
        return Path(versions[-1])
    raise PostgresMissing(
        "PostgreSQL's server programs (initdb, postgres) are not installed: scripts/setup "
        "--test installs Debian's postgresql package."
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """A PostgreSQL server of the tests' own: its port, its log, and fresh databases."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self.bin = binaries()
        # Not in pytest's temporary folder: that one is private to root, and the server runs
        # as nobody, who must reach its own directory.
        self.root = Path(tempfile.mkdtemp(prefix="workdiary-postgres-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as = _as_nobody()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self._as:
            os.chown(self.root, 65534, 65534)
        self._run(
            str(self.bin / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        self.port = _free_port()
        with self.log.open("wb") as log:
            if self._as:
                os.chown(self.log, 65534, 65534)
            self.process = subprocess.Popen(
                [
                    str(self.bin / "postgres"),
                    "-D",
                    str(self.data),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                    *self._durability(),
                    "-c",
                    "max_connections=200",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                **self._as,
            )
        wait_until(self._ready, timeout=60, what=f"PostgreSQL to start (log: {self.log})")

    def _durability(self) -> list[str]:
        """The tests' server writes nothing to disk it need not (fsync off: a crash of the
        machine may corrupt it, which no test meets). A durable one, the benchmarks', keeps
        SQLite's promise in WAL with synchronous=NORMAL: a crash may lose the last commits, never
        corrupt the database (fsync and full-page writes on, synchronous_commit off)."""
        on = "on" if self.durable else "off"
        return ["-c", f"fsync={on}", "-c", f"full_page_writes={on}", "-c", "synchronous_commit=off"]

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, check=False, **self._as
        )
        if result.returncode != 0:
            raise AssertionError(f"{command[0]} failed: {result.stdout}{result.stderr}")

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"PostgreSQL exited: {self.log.read_text(errors='replace')}")
        try:
            with psycopg.connect(self.url("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str = "") -> str:
        """A new, empty database: its URL."""
        name = name or f"test_{os.getpid()}_{next(_databases)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: clients are disconnected
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


def _as_nobody() -> dict[str, Any]:
    """Popen's arguments that run a program as nobody, when this process is root."""
    if os.geteuid() != 0:
        return {}
    return {"user": 65534, "group": 65534, "extra_groups": []}


@contextmanager
def postgres_running(durable: bool = False) -> Iterator[PostgresServer]:
    server = PostgresServer(durable)
    try:
        server.start()
        yield server
    finally:
        server.stop()
