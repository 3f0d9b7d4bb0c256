"""The S3 blob store's own promises, on moto's S3 server in a process of its own (real HTTP):
content-addressed keys, the bytes' SHA-256 and MD5 sent for the server to check, a damaged copy
logged, and every failure (an address that is not one, a missing bucket, missing or refused
credentials, an endpoint that does not answer) said in words."""

from __future__ import annotations

import base64
import hashlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from marketplace.blobs.address import S3Address, parse_blobs_address
from marketplace.blobs.s3 import S3BlobStore
from marketplace.errors import BlobsAddressInvalid, BlobStoreUnusable
from tests.marketplace.s3 import S3Server, s3_running
from tests.marketplace.test_blobs import jpeg


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
def store(s3_server: S3Server, bucket: str) -> S3BlobStore:
    return S3BlobStore.connect(parse_blobs_address(s3_server.address(bucket)))


def test_a_file_is_kept_under_its_content_address(
    s3_server: S3Server, bucket: str, store: S3BlobStore
) -> None:
    sha256, data = jpeg()
    store.put(sha256, data)
    key = f"screenshots/{sha256[:2]}/{sha256}.jpg"
    assert s3_server.keys(bucket) == [key]
    found = s3_server.client().get_object(Bucket=bucket, Key=key)
    assert found["ContentType"] == "image/jpeg"
    assert found["Body"].read() == data


def test_the_upload_carries_its_sha256_and_md5_for_the_server_to_check(
    store: S3BlobStore,
) -> None:
    """What goes over the wire: one PutObject whose x-amz-checksum-sha256 and Content-MD5 are
    the bytes' own, so a server that checks (AWS, and most S3-compatible ones) refuses bytes
    damaged on the way (BadDigest) instead of keeping them."""
    sent: list[Any] = []
    store.client.meta.events.register("before-send.s3.*", lambda request, **_: sent.append(request))
    sha256, data = jpeg()
    store.put(sha256, data)
    assert [r.method for r in sent] == ["HEAD", "PUT"]
    put = sent[1]
    assert put.url.endswith(f"/screenshots/{sha256[:2]}/{sha256}.jpg")
    headers = {k.lower(): v.encode() if isinstance(v, str) else v for k, v in put.headers.items()}
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(bytes.fromhex(sha256))
    assert headers["content-md5"] == base64.b64encode(hashlib.md5(data).digest())
    assert _body(put.body) == data


def _body(body: Any) -> bytes:
    """A request's body as it is sent, left where botocore had it."""
    if isinstance(body, bytes):
        return body
    where = body.tell()
    body.seek(0)
    try:
        read: bytes = body.read()
    finally:
        body.seek(where)
    return read


def test_bytes_that_do_not_hash_to_their_name_are_not_stored(
    s3_server: S3Server, bucket: str, store: S3BlobStore
) -> None:
    sha256, _ = jpeg()
    with pytest.raises(ValueError, match="do not hash"):
        store.put(sha256, b"something else")
    assert s3_server.keys(bucket) == []


def test_the_server_refuses_an_upload_whose_checksum_is_wrong(
    s3_server: S3Server, bucket: str
) -> None:
    """What S3 itself checks, sent directly with boto3: bytes whose x-amz-checksum-sha256 is
    another file's. AWS answers BadDigest and keeps nothing. moto keeps them (its S3 does not
    check checksums yet), and the test says so rather than passing."""
    sha256, data = jpeg()
    wrong = base64.b64encode(hashlib.sha256(b"another file").digest()).decode()
    key = f"screenshots/{sha256[:2]}/{sha256}.jpg"
    client = s3_server.client()
    try:
        client.put_object(Bucket=bucket, Key=key, Body=data, ChecksumSHA256=wrong)
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert s3_server.keys(bucket) == []
    else:
        pytest.skip("this S3 server (moto) keeps bytes whose checksum is wrong: it cannot show it")


def test_a_damaged_copy_in_the_bucket_is_served_as_it_is_and_logged(
    s3_server: S3Server, bucket: str, store: S3BlobStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Bytes put under a file's key by anything but the store (or damaged by a server that did
    not check them) do not hash to the name: they are served as they are, as the data dir's
    folder serves its copy (whoever reviews the week fails that segment, with the reason), and
    the store logs which file and what to do."""
    sha256, data = jpeg()
    key = f"screenshots/{sha256[:2]}/{sha256}.jpg"
    s3_server.client().put_object(Bucket=bucket, Key=key, Body=data[:-1] + b"\x00")
    assert store.has(sha256)
    with caplog.at_level(logging.WARNING, logger="marketplace.blobs.s3"):
        assert store.open(sha256).read() == data[:-1] + b"\x00"
    assert f"{key} in bucket {bucket}" in caplog.text and "does not hash" in caplog.text
    assert "Delete it" in caplog.text


def test_a_missing_bucket_is_said_at_start_up(s3_server: S3Server) -> None:
    address = parse_blobs_address(s3_server.address("no-such-bucket"))
    with pytest.raises(BlobStoreUnusable) as raised:
        S3BlobStore.connect(address)
    assert str(raised.value) == (
        f"Opening bucket no-such-bucket at {s3_server.endpoint} failed: the bucket does not "
        "exist: create it, or name another."
    )


def test_an_endpoint_that_does_not_answer_is_said_at_start_up() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{unused.getsockname()[1]}"
    with pytest.raises(BlobStoreUnusable, match=f"nothing answers at {endpoint}"):
        S3BlobStore.connect(S3Address("shots", endpoint))


def test_missing_credentials_are_said_at_start_up(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(
        BlobStoreUnusable, match="no AWS credentials were found: set AWS_ACCESS_KEY_ID"
    ):
        S3BlobStore.connect(parse_blobs_address(s3_server.address("shots")))


@pytest.fixture(scope="module")
def checking_s3(
    s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[S3Server]:
    """A second moto server, which checks credentials and knows none."""
    with s3_running(tmp_path_factory.mktemp("s3-auth") / "moto.log", auth=True) as server:
        yield server


def test_refused_credentials_are_said_at_start_up(checking_s3: S3Server) -> None:
    with pytest.raises(BlobStoreUnusable) as raised:
        S3BlobStore.connect(parse_blobs_address(checking_s3.address("shots")))
    message = str(raised.value)
    assert "the credentials are refused (403)" in message
    assert "AWS_ACCESS_KEY_ID" in message and "testing" not in message


def test_a_store_that_fails_while_serving_says_so(
    s3_server: S3Server, tmp_path: Path, store: S3BlobStore
) -> None:
    """The bucket gone from under a running server: each call fails as BlobStoreUnusable (the
    API answers it with 503), never as boto3's own exception."""
    sha256, data = jpeg()
    store.put(sha256, data)
    client = s3_server.client()
    client.delete_object(Bucket=store.bucket, Key=store.key(sha256))
    client.delete_bucket(Bucket=store.bucket)
    with pytest.raises(BlobStoreUnusable, match="does not exist"):
        store.put(sha256, data)
    with pytest.raises(FileNotFoundError):
        store.open(sha256)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/srv/screenshots", "this is not an s3:// address"),
        ("https://bucket.example/", "this is not an s3:// address"),
        ("s3://KEY:secret@shots", "Credentials do not go in the blob store's address"),
        ("s3://Shots", "'Shots' is not a bucket's name"),
        ("s3://ab", "'ab' is not a bucket's name"),
        ("s3://shots/some/prefix", "the screenshots go under screenshots/"),
        ("s3://shots?endpoint=127.0.0.1:9000", "is not an http:// or https:// address"),
        ("s3://shots?endpoint=http://key:secret@127.0.0.1:9000", "Credentials do not go in"),
        ("s3://shots?endpoint=http://127.0.0.1:99999", "has no valid port"),
        ("s3://shots?endpoint=http://127.0.0.1:9000/path", "a server's address alone"),
        ("s3://shots?region=EU", "'EU' is not a region's name"),
        ("s3://shots?bucket=other", "'bucket' is not an option"),
        ("s3://shots?region=a&region=b", "The option region is given twice"),
        ("s3://shots?region=", "The option region is empty"),
        ("s3://shots?region", "not name=value pairs"),
        ("s3://shots?addressing=dns", "addressing is path or virtual"),
    ],
)
def test_an_address_that_is_not_one_is_said(text: str, says: str) -> None:
    with pytest.raises(BlobsAddressInvalid) as raised:
        parse_blobs_address(text)
    assert says in str(raised.value)
    assert "secret" not in str(raised.value)


def test_an_address_names_a_bucket_and_where_it_is() -> None:
    assert parse_blobs_address("s3://shots") == S3Address("shots")
    found = parse_blobs_address("s3://my.shots-1?endpoint=http://127.0.0.1:9000/&region=eu-west-1")
    assert found == S3Address("my.shots-1", "http://127.0.0.1:9000", "eu-west-1")
    assert found.addressing_style == "path"  # what servers other than AWS's expect
    assert S3Address("shots").addressing_style == "auto"
    assert found.where == "bucket my.shots-1 at http://127.0.0.1:9000"
