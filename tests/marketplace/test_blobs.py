"""What every blob store promises (marketplace/blobs/__init__.py), held to both: the files in a
folder, and an S3 bucket on moto's server in a process of its own (real HTTP). A file is kept
under its hash once, read back whole, and deleted; a reader never sees half of one, and two
writers of the same file at once leave it whole."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketplace.blobs import BlobStore, open_blobs
from marketplace.blobs.address import parse_blobs_address
from tests.marketplace.s3 import S3Server


def jpeg(size: int = 3000, seed: bytes = b"") -> tuple[str, bytes]:
    """Bytes that stand for a screenshot (the store never decodes them), and their hash."""
    data = b"\xff\xd8\xff\xe0" + hashlib.shake_256(seed + str(size).encode()).digest(size)
    return hashlib.sha256(data).hexdigest(), data


@pytest.fixture(params=["filesystem", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "filesystem":
        yield open_blobs(None, tmp_path / "screenshots")
    else:
        s3: S3Server = request.getfixturevalue("s3_server")
        yield open_blobs(parse_blobs_address(s3.address(s3.new_bucket())), tmp_path / "unused")


def test_a_file_is_kept_read_back_and_deleted(blobs: BlobStore) -> None:
    sha256, data = jpeg()
    assert not blobs.has(sha256)
    assert blobs.put(sha256, data) is True
    assert blobs.has(sha256)
    with blobs.open(sha256) as file:
        assert file.read() == data
    assert blobs.put(sha256, data) is False  # held already
    blobs.delete(sha256)
    assert not blobs.has(sha256)
    blobs.delete(sha256)  # deleting what is gone is no error
    assert blobs.put(sha256, data) is True  # and it can come back


def test_files_are_kept_apart_by_their_hash(blobs: BlobStore) -> None:
    shots = [jpeg(seed=bytes([n])) for n in range(5)]
    for sha256, data in shots:
        assert blobs.put(sha256, data)
    blobs.delete(shots[0][0])
    for sha256, data in shots[1:]:
        with blobs.open(sha256) as file:
            assert file.read() == data
    assert not blobs.has(shots[0][0])


def test_a_missing_file_cannot_be_opened(blobs: BlobStore) -> None:
    with pytest.raises(FileNotFoundError):
        blobs.open(jpeg()[0])


def test_two_writers_of_the_same_file_at_once_leave_it_whole(blobs: BlobStore) -> None:
    """The same key and the same bytes: whoever writes last changes nothing. At least one
    writer says it stored the file; none fails."""
    sha256, data = jpeg(2 << 20)
    start = threading.Barrier(4)
    answers: list[bool] = []
    failures: list[BaseException] = []

    def put() -> None:
        start.wait()
        try:
            answers.append(blobs.put(sha256, data))
        except BaseException as error:
            failures.append(error)

    writers = [threading.Thread(target=put) for _ in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    assert not failures
    assert len(answers) == 4 and True in answers
    with blobs.open(sha256) as file:
        assert file.read() == data


def test_a_reader_sees_the_whole_file_or_none(blobs: BlobStore) -> None:
    """A reader asks again and again while a large file is written: it finds nothing, then the
    whole file, never a part."""
    sha256, data = jpeg(8 << 20)
    done = threading.Event()
    seen: list[int] = []

    def read() -> None:
        while not done.is_set():
            try:
                with blobs.open(sha256) as file:
                    seen.append(len(file.read()))
            except FileNotFoundError:
                seen.append(0)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        assert blobs.put(sha256, data)
    finally:
        done.set()
        reader.join(timeout=60)
    with blobs.open(sha256) as file:
        seen.append(len(file.read()))
    assert set(seen) <= {0, len(data)}
    assert seen[-1] == len(data)


def test_no_partial_file_is_left_beside_the_kept_one(tmp_path: Path) -> None:
    """The folder's own way to be whole or nothing: a temporary name, renamed into place."""
    blobs = open_blobs(None, tmp_path / "screenshots")
    sha256, data = jpeg()
    blobs.put(sha256, data)
    found = [p.relative_to(tmp_path) for p in (tmp_path / "screenshots").rglob("*") if p.is_file()]
    assert found == [Path("screenshots", sha256[:2], f"{sha256}.jpg")]
    assert os.path.getsize(tmp_path / found[0]) == len(data)
