"""Which storage every marketplace the tests start runs on: ``WORKDIARY_TEST_MARKETPLACE``
chooses ``sqlite-files`` (serve's defaults: the data dir's SQLite file and screenshot folder) or
``postgres-s3`` (a database of its own on the session's PostgreSQL and a bucket of its own on
the session's S3 server, moto's). The test command runs the marketplace's tests once on each.

The session's PostgreSQL and S3 server start on first use and stop when the session ends
(``stop_services``, from tests/conftest.py): a run on SQLite that never asks for them starts
neither. Each data dir stands for one marketplace: a server started again on it, or a second
``Server`` of it, finds the same database and bucket, as it finds the same SQLite file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.marketplace.s3 import ENVIRONMENT, UNSET, S3Server

if TYPE_CHECKING:
    from tests.marketplace.postgres import PostgresServer

SWITCH = "WORKDIARY_TEST_MARKETPLACE"
SQLITE_FILES = "sqlite-files"
POSTGRES_S3 = "postgres-s3"
BACKENDS = (SQLITE_FILES, POSTGRES_S3)


def chosen() -> str:
    """The backend the switch names (sqlite-files when unset); a name that is none of them
    stops the run rather than fall back to SQLite unseen."""
    name = os.environ.get(SWITCH, "") or SQLITE_FILES
    if name not in BACKENDS:
        raise ValueError(f"{SWITCH}={name!r}: expected one of {', '.join(BACKENDS)}")
    return name


class Services:
    """The session's PostgreSQL and S3 server, each started the first time it is asked for."""

    def __init__(self) -> None:
        self._postgres: PostgresServer | None = None
        self._s3: S3Server | None = None
        self._s3_log = Path()
        self._places: dict[Path, Place] = {}

    def postgres(self) -> PostgresServer:
        if self._postgres is None:
            # psycopg only for a session that uses PostgreSQL.
            from tests.marketplace.postgres import PostgresServer

            server = PostgresServer()  # PostgresMissing without PostgreSQL's programs
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            self._postgres = server
        return self._postgres

    def s3(self) -> S3Server:
        if self._s3 is None:
            self._s3_log = Path(tempfile.mkdtemp(prefix="workdiary-s3-")) / "moto.log"
            self._s3 = S3Server(self._s3_log)
        return self._s3

    def place(self, data: Path) -> Place:
        """The database and bucket of the marketplace whose data dir is ``data``."""
        key = data.resolve()
        if key not in self._places:
            s3 = self.s3()
            self._places[key] = Place(self.postgres().create_database(), s3, s3.new_bucket())
        return self._places[key]

    def stop(self) -> None:
        self._places.clear()
        if self._s3 is not None:
            self._s3.stop()
            self._s3 = None
            shutil.rmtree(self._s3_log.parent, ignore_errors=True)
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None


class Place:
    """One marketplace's database and bucket: what serve is told, and what its environment
    needs (the S3 server's credentials, nothing of the developer's own)."""

    def __init__(self, database: str, s3: S3Server, bucket: str) -> None:
        self.database = database
        self.s3 = s3
        self.bucket = bucket

    def serve_args(self) -> list[str]:
        return ["--database", self.database, "--blobs", self.s3.address(self.bucket)]

    @staticmethod
    def environment(base: dict[str, str]) -> dict[str, str]:
        env = {name: value for name, value in base.items() if name not in UNSET}
        return {**env, **ENVIRONMENT}


#: One per test session (the Server class has no fixtures to ask).
SERVICES = Services()


def place_for(data: Path, extra_args: list[str]) -> Place | None:
    """Where a marketplace on ``data`` keeps things, when the switch chooses PostgreSQL and
    S3; None on SQLite and files, and for a test that names its own storage (``--database``
    or ``--blobs``): it gets what it names, and serve's defaults for the rest."""
    if chosen() == SQLITE_FILES or {"--database", "--blobs"} & set(extra_args):
        return None
    return SERVICES.place(data)


def stop_services() -> None:
    SERVICES.stop()
