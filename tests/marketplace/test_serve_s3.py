"""`serve --blobs s3://...`: the real server in a subprocess keeps the screenshots it is sent in
a bucket on moto's S3 server (another process, real HTTP), under their content addresses, and
serves them back in the week's bundle; a bucket that fails answers 503, and one that cannot be
used at start-up is said in words."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.proxy import Fault, FaultyProxy, faulty
from tests.marketplace.s3 import S3Server
from tests.marketplace.server import ROOT, Server, running
from tests.tracker.helpers import at

WEEK = "2026-W48"


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
def parties(s3_server: S3Server, bucket: str, tmp_path: Path) -> Iterator[Parties]:
    """A marketplace whose screenshots are in ``bucket``, a contract, and a device that
    recorded half an hour of it and uploaded their records (not yet the screenshots)."""
    with running(tmp_path / "data", START, extra_args=["--blobs", s3_server.address(bucket)]) as (
        server
    ):
        found = make_parties(server, tmp_path)
        # A screen of another colour in each segment: files that differ.
        for n, (start, end) in enumerate([(START, at(10, 10)), (at(10, 10), at(10, 30))]):
            colour = (200 * (n == 0), 200 * (n == 1), 90)
            found.device.track(found.local, "Checkout page", start, end, colour=colour)
        server.set_time(found.device.clock.now())
        found.upload(found.device.entries())
        yield found
        found.device.close()


def content_address(sha256: str) -> str:
    return f"screenshots/{sha256[:2]}/{sha256}.jpg"


def test_screenshots_go_to_the_bucket_and_come_back_in_the_bundle(
    s3_server: S3Server, bucket: str, parties: Parties, tmp_path: Path
) -> None:
    server = parties.server
    shots = parties.device.screenshots()
    assert len(shots) >= 2
    assert f"Screenshots in bucket {bucket} at {s3_server.endpoint}." in server.output()
    assert parties.upload_screenshots() == len(shots)

    assert s3_server.keys(bucket) == sorted(content_address(sha256) for sha256 in shots)
    for sha256, path in shots.items():
        held = s3_server.client().get_object(Bucket=bucket, Key=content_address(sha256))
        assert held["Body"].read() == path.read_bytes()
    assert not (tmp_path / "data" / "screenshots").exists()

    # Held already; bytes that are not the file named are refused before the bucket sees them.
    sha256, path = next(iter(shots.items()))
    again = parties.freelancer.ok("PUT", f"/v1/screenshots/{sha256}", data=path.read_bytes())
    assert again == {"sha256": sha256, "stored": False}
    other = next(s for s in shots if s != sha256)
    parties.freelancer.refused("PUT", f"/v1/screenshots/{other}", "screenshot-hash", data=b"x")

    # The week counts them as held (every segment protected), and its bundle carries them.
    week = parties.client.ok("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}")
    assert week["segments"] and all(s["protected"] for s in week["segments"])
    bundle = parties.client.call("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle")
    assert bundle.status_code == 200, bundle.text
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        for sha256, path in shots.items():
            assert archive.read(f"screenshots/{sha256}.jpg") == path.read_bytes()

    # A damaged copy in the bucket is served as it is, as the data dir's folder serves its copy
    # (the review fails that segment, with the reason: tests/review), and logged.
    s3_server.client().put_object(Bucket=bucket, Key=content_address(sha256), Body=b"damaged")
    bundle = parties.client.call("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle")
    assert bundle.status_code == 200, bundle.text
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        assert archive.read(f"screenshots/{sha256}.jpg") == b"damaged"
    assert "does not hash to its name" in server.output()


@contextmanager
def behind_a_faulty_proxy(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> Iterator[tuple[FaultyProxy, Server]]:
    """A server whose bucket it reaches through a proxy the test can make drop requests."""
    with (
        faulty(s3_server.endpoint) as proxy,
        running(
            tmp_path / "data",
            START,
            extra_args=["--blobs", s3_server.address(bucket, endpoint=proxy.url)],
        ) as server,
    ):
        yield proxy, server


def test_a_bucket_that_fails_answers_503_and_takes_the_file_once_it_is_back(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    """The server reaches the bucket through a proxy that starts dropping every request: the
    upload answers 503 storage-unavailable with Retry-After, and nothing is half-kept; once the
    bucket answers again the same upload is stored."""
    with behind_a_faulty_proxy(s3_server, bucket, tmp_path) as (proxy, server):
        parties = make_parties(server, tmp_path)
        parties.device.track(parties.local, "Checkout page", START, at(10, 20))
        server.set_time(parties.device.clock.now())
        parties.upload(parties.device.entries())
        sha256, path = next(iter(parties.device.screenshots().items()))

        proxy.fail(Fault.DROP_REQUEST, times=1000)
        answer = parties.freelancer.call("PUT", f"/v1/screenshots/{sha256}", data=path.read_bytes())
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["retry-after"] == "30"
        assert answer.json()["code"] == "storage-unavailable"
        assert "Storage failed on PUT" in server.output()
        assert s3_server.keys(bucket) == []

        proxy.fail(Fault.NONE, times=0)
        stored = parties.freelancer.ok(
            "PUT", f"/v1/screenshots/{sha256}", 201, data=path.read_bytes()
        )
        assert stored == {"sha256": sha256, "stored": True}
        assert s3_server.keys(bucket) == [content_address(sha256)]
        parties.device.close()


def serve(tmp_path: Path, blobs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, str(ROOT / "main.py"), "serve", "--port", "0"),
            *("--data", str(tmp_path / "data"), "--blobs", blobs),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_a_missing_bucket_stops_the_server_at_start_up(s3_server: S3Server, tmp_path: Path) -> None:
    result = serve(tmp_path, s3_server.address("no-such-bucket"))
    assert result.returncode == 3
    assert result.stderr == (
        f"workdiary: Opening bucket no-such-bucket at {s3_server.endpoint} failed: the bucket "
        "does not exist: create it, or name another.\n"
    )
    assert "Marketplace at" not in result.stdout


def test_an_address_that_is_not_one_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    result = serve(tmp_path, "s3://ACCESS:secret@shots")
    assert result.returncode == 2
    assert result.stderr.startswith("workdiary: --blobs: Credentials do not go in the blob")
    assert "secret" not in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.sqlite_files("about serve without --blobs, which postgres-s3 always passes")
def test_the_server_without_blobs_keeps_its_screenshots_in_its_data_dir(
    server: Server, tmp_path: Path
) -> None:
    assert "Screenshots in" not in server.output()
    parties = make_parties(server, tmp_path)
    parties.device.track(parties.local, "Checkout page", START, at(10, 20))
    server.set_time(parties.device.clock.now())
    parties.upload(parties.device.entries())
    assert parties.upload_screenshots() > 0
    for sha256 in parties.device.screenshots():
        assert (server.data / content_address(sha256)).is_file()
    parties.device.close()


def test_a_screenshot_the_bucket_failed_to_delete_is_deleted_later(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    """A freelancer deletes a screenshot while the bucket drops every request: the batch is
    answered all the same (its records kept) and the file noted; the next deletion that works
    deletes it too, and a server that starts deletes what is still noted."""
    from tracker.edits import delete_screenshot

    with behind_a_faulty_proxy(s3_server, bucket, tmp_path) as (proxy, server):
        parties = make_parties(server, tmp_path)
        device = parties.device
        for n, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
            device.track(
                parties.local, "Checkout page", at(10, 10 * (n + 1)), at(10, 10 * (n + 2)), colour
            )
        server.set_time(device.clock.now())
        parties.upload(device.entries())
        parties.upload_screenshots()
        segments = device.store.segments_between(at(10, 10), at(10, 40), parties.local)
        shots = [device.store.screenshots([s.id])[s.id][0] for s in segments]
        keys = [content_address(shot.sha256 or "") for shot in shots]
        assert len(set(keys)) == 3 and set(keys) <= set(s3_server.keys(bucket))

        def delete(number: int) -> None:
            delete_screenshot(device.store, device.data_dir, shots[number].id)
            device.signer.sign_pending()
            parties.upload(device.entries())  # every record receipted, whatever the bucket did

        proxy.fail(Fault.DROP_REQUEST, times=1000)
        delete(0)
        assert "was not deleted" in server.output()
        proxy.fail(Fault.NONE, times=0)
        assert keys[0] in s3_server.keys(bucket)
        delete(1)  # works, and deletes the one noted too
        assert set(s3_server.keys(bucket)) & set(keys) == {keys[2]}

        proxy.fail(Fault.DROP_REQUEST, times=1000)
        delete(2)
        proxy.fail(Fault.NONE, times=0)
        assert keys[2] in s3_server.keys(bucket)
        server.stop()
        server.start()  # deletes what is still noted
        assert not set(s3_server.keys(bucket)) & set(keys)
        device.close()
