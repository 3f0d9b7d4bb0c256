"""An S3-compatible server for the tests: moto's standalone server (``ThreadedMotoServer``) in a
process of its own on 127.0.0.1 and a free port, so that the blob store and the marketplace talk
real HTTP to it; buckets made and read with boto3. ``python -m tests.marketplace.s3`` is that
process: it prints its address, and serves until its standard input closes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
#: Credentials the tests' server takes (moto takes any unless it checks them: ``auth``), and
#: nothing of the developer's own: no profile, no config file, no instance metadata (which
#: boto3 would ask for at an address off this machine).
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
#: Variables of the developer's that would choose other credentials or another server.
UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)
_buckets = itertools.count(1)


class S3Server:
    """moto's S3 server in a subprocess: its endpoint, a boto3 client of it, fresh buckets.
    With ``auth`` it checks credentials, and knows none (every request is refused)."""

    def __init__(self, log: Path, auth: bool = False) -> None:
        self.log = log
        env = {**os.environ, **ENVIRONMENT, "PYTHONUNBUFFERED": "1"}
        if auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        self.endpoint = ""
        self._client: Any = None
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.marketplace.s3"],
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
            )
        wait_until(self._started, timeout=30, what=f"moto's S3 server to start (log: {log})")

    def _started(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"moto's S3 server exited: {self.log.read_text()}")
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("S3 at "):
                self.endpoint = line.split()[2]
                return True
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self) -> Any:
        """A boto3 client of this server (made once: making one takes a good part of a
        second)."""
        if self._client is None:
            import boto3

            # The credentials moto takes, whatever the environment of the tests holds.
            self._client = boto3.session.Session(
                aws_access_key_id=ENVIRONMENT["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            ).client("s3", endpoint_url=self.endpoint, region_name=REGION)
        return self._client

    def new_bucket(self) -> str:
        """A bucket of the caller's own, made now."""
        bucket = f"shots-{os.getpid()}-{next(_buckets)}"
        self.client().create_bucket(Bucket=bucket)
        return bucket

    def address(self, bucket: str, endpoint: str | None = None) -> str:
        """What ``serve --blobs`` takes for ``bucket`` (on this server, or at ``endpoint``)."""
        return f"s3://{bucket}?endpoint={endpoint or self.endpoint}&region={REGION}"

    def keys(self, bucket: str) -> list[str]:
        found = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(entry["Key"] for entry in found)


@contextmanager
def s3_running(log: Path, auth: bool = False) -> Iterator[S3Server]:
    server = S3Server(log, auth)
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"S3 at http://{host}:{port}", flush=True)
    try:
        sys.stdin.read()  # until the tests close it (or end, and with them the pipe)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
