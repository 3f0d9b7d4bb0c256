"""The real reference marketplace, started as a subprocess on 127.0.0.1 (a free port), with its
clock read from a file the tests write, on the storage the test run chooses (backend.py); what
it holds, read and changed behind its back on either storage; and a small HTTP client of its
API."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from diary.times import timestamp
from tests.marketplace.backend import place_for
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """``python main.py serve`` in a subprocess (or ``program``'s, a built one): its URL, its
    clock, its data dir, and its database and bucket when the run is on PostgreSQL and S3
    (``place``)."""

    def __init__(
        self,
        data: Path,
        now: datetime,
        demo: bool = False,
        program: list[str] | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.program = program or [sys.executable, str(ROOT / "main.py")]
        #: More of serve's options (--blobs URL, ...), after the ones every test needs.
        self.extra_args = list(extra_args or [])
        self.data = data
        self.clock_file = data.parent / f"{data.name}-clock"
        self.set_time(now)
        self.log = data.parent / f"{data.name}.log"
        self.demo = demo
        #: Where it keeps records and screenshots when not in the data dir (the switch's).
        self.place = place_for(data, self.extra_args)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.start()

    def set_time(self, now: datetime) -> None:
        self.clock_file.write_text(timestamp(now) + "\n", encoding="utf-8")

    def start(self) -> None:
        command = [
            *self.program,
            "serve",
            "--port",
            "0",
            "--data",
            str(self.data),
            "--clock-file",
            str(self.clock_file),
        ]
        if self.demo:
            command.append("--demo")
        command += self.extra_args
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.place is not None:
            command += self.place.serve_args()
            env = self.place.environment(env)
        self.url = ""
        # A fresh log: the address of a server that was killed must not pass for this one's.
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT
            )
        wait_until(self._started, timeout=30, what=f"the marketplace to start (log: {self.log})")

    def _started(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the marketplace exited: {self.log.read_text(errors='replace')}")
        for line in self.log.read_text(errors="replace").splitlines()[::-1]:
            if line.startswith("Marketplace at "):
                self.url = line.split()[2]
                return True
        return False

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.log.write_text("", encoding="utf-8")

    def api(self, token: str | None = None) -> Api:
        return Api(self.url, token)

    # What it holds, behind its back: a test that tampers with the server's copy, or looks at
    # what it keeps, does it the same way on either storage. (A test that names its own
    # --database or --blobs reads them itself.)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run ``query`` (``?`` for each of ``params``) on the server's database and commit:
        the rows it returns."""
        if self.place is not None:
            import psycopg

            with psycopg.connect(self.place.database) as db:
                cursor = db.execute(query.replace("?", "%s").encode(), params)
                return cursor.fetchall() if cursor.description else []
        embedded = sqlite3.connect(self.data / "marketplace.sqlite3")
        try:
            with embedded:
                return embedded.execute(query, params).fetchall()
        finally:
            embedded.close()

    def screenshot_hashes(self) -> set[str]:
        """The hashes of the screenshot files it keeps."""
        if self.place is not None:
            return {key.rsplit("/", 1)[-1][:-4] for key in self.place.s3.keys(self.place.bucket)}
        return {p.stem for p in (self.data / "screenshots").rglob("*.jpg")}

    def screenshot(self, sha256: str) -> bytes:
        """The file it keeps under ``sha256``."""
        if self.place is not None:
            held = self.place.s3.client().get_object(
                Bucket=self.place.bucket, Key=_blob_key(sha256)
            )
            return bytes(held["Body"].read())
        return (self.data / _blob_key(sha256)).read_bytes()

    def replace_screenshot(self, sha256: str, data: bytes) -> None:
        """Put ``data`` where it keeps the file ``sha256`` (a damaged copy, or the original
        back)."""
        if self.place is not None:
            self.place.s3.client().put_object(
                Bucket=self.place.bucket, Key=_blob_key(sha256), Body=data
            )
        else:
            (self.data / _blob_key(sha256)).write_bytes(data)


def _blob_key(sha256: str) -> str:
    """Where both blob stores keep a file: under the data dir, or as the bucket's key."""
    return f"screenshots/{sha256[:2]}/{sha256}.jpg"


@contextmanager
def running(
    data: Path,
    now: datetime,
    demo: bool = False,
    program: list[str] | None = None,
    extra_args: list[str] | None = None,
) -> Iterator[Server]:
    server = Server(data, now, demo, program, extra_args)
    try:
        yield server
    finally:
        server.stop()


class Api:
    """The API over real HTTP; answers are returned as they come, for the tests to check."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token
        self.http = requests.Session()

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.http.request(method, self.url + path, headers=headers, timeout=60, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == status, (answer.status_code, answer.text[:2000])
        return answer.json() if answer.content else None

    def refused(self, method: str, path: str, code: str, **kwargs: Any) -> dict[str, Any]:
        """The problem details of a refusal, checked to carry ``code``."""
        answer = self.call(method, path, **kwargs)
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
        body: dict[str, Any] = answer.json()
        assert body["code"] == code, body
        assert body["status"] == answer.status_code
        return body

    def sign_up(self, email: str, role: str, password: str = "correct horse battery") -> Api:
        """Register ``email`` and sign in: an Api carrying its token."""
        self.ok(
            "POST",
            "/v1/accounts",
            201,
            json={"email": email, "password": password, "name": email.split("@")[0], "role": role},
        )
        session = self.ok("POST", "/v1/sessions", 201, json={"email": email, "password": password})
        return Api(self.url, session["token"])
