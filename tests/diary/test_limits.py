"""verify reads a bounded amount of any bundle, in bounded time: the limits of
docs/protocol.md, tried with small limits (bench/hostile_verify.py measures the real ones)."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from diary.bundle import verify_bundle
from diary.errors import BadBundle
from diary.limits import LIMITS
from tests.diary import hostile


def _bundle(tmp_path: Path, files: dict[str, bytes], name: str = "b.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(hostile.zip_bytes(files))
    return path


def test_the_valid_bundle_is_within_every_limit(tmp_path: Path) -> None:
    assert verify_bundle(_bundle(tmp_path, hostile.members())).ok


def test_records_larger_than_the_limit_are_refused_unread(tmp_path: Path) -> None:
    files = hostile.members()
    path = _bundle(tmp_path, files)
    small = replace(LIMITS, records_member=len(files["records.jsonl"]) - 1)
    with pytest.raises(BadBundle, match=r"records.jsonl is .* bytes, more than"):
        verify_bundle(path, small)


def test_more_lines_than_any_period_holds_are_refused(tmp_path: Path) -> None:
    files = hostile.members() | {"records.jsonl": b"{}\n" * 100}
    with pytest.raises(BadBundle, match="more than 50 lines"):
        verify_bundle(_bundle(tmp_path, files), replace(LIMITS, records=50))


def test_an_overlong_line_is_a_format_failure_and_skipped(tmp_path: Path) -> None:
    files = hostile.members()
    lines = files["records.jsonl"].splitlines()
    long_line = b'{"record": "' + b"x" * 200_000 + b'"}'
    files["records.jsonl"] = b"\n".join([*lines[:4], long_line, *lines[4:]]) + b"\n"
    verdict = verify_bundle(_bundle(tmp_path, files))
    assert [(f.code, f.line, f.seq) for f in verdict.failures if f.line == 5] == [
        ("format", 5, None)
    ]
    assert "longer than 65,536 bytes" in verdict.failures[0].reason
    assert verdict.records == 18  # every other line was read


def test_failures_past_the_limit_are_counted_not_kept(tmp_path: Path) -> None:
    files = hostile.members()
    files["records.jsonl"] += b"{}\n" * 40
    verdict = verify_bundle(_bundle(tmp_path, files), replace(LIMITS, failures=10))
    assert len(verdict.failures) == 10 and verdict.more_failures == 30 and not verdict.ok


def test_a_member_listed_many_times_is_refused(tmp_path: Path) -> None:
    """The same data under many names (each name read and hashed again): two members share data."""
    path = _bundle(tmp_path, hostile.members())
    with zipfile.ZipFile(path) as archive:
        shot = next(i for i in archive.infolist() if i.filename.startswith("screenshots/"))

    def point_at_the_screenshot(buffer: bytearray, local: int, central: int) -> None:
        buffer[central + 42 : central + 46] = shot.header_offset.to_bytes(4, "little")

    path.write_bytes(hostile.patch_member(path.read_bytes(), "keys.jsonl", point_at_the_screenshot))
    with pytest.raises(BadBundle, match="share data"):
        verify_bundle(path)


def test_only_files_that_records_name_are_read(tmp_path: Path) -> None:
    """A member nobody names is never read: damaged, large, it changes nothing."""
    files = hostile.members() | {"screenshots/unnamed.jpg": b"x" * 3_000_000}
    path = _bundle(tmp_path, files)
    path.write_bytes(
        hostile.patch_member(path.read_bytes(), "screenshots/unnamed.jpg", hostile.data_changed)
    )
    # The files records name are read, and held to the limit (500 bytes here: they fail).
    assert verify_bundle(path, replace(LIMITS, screenshot=500)).failures != []
    small = replace(LIMITS, screenshot=2 * 1024 * 1024)
    verdict = verify_bundle(path, small)
    assert verdict.ok, verdict.failures


def test_a_zip_directory_larger_than_the_limit_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    files = hostile.members() | {f"extra/{n}": b"" for n in range(30)}
    with pytest.raises(BadBundle, match=r"lists 3[0-9] members"):
        verify_bundle(_bundle(tmp_path, files), replace(LIMITS, members=20))


def test_too_many_devices_are_refused(tmp_path: Path) -> None:
    def five_more(manifest: dict[str, Any]) -> None:
        extra = [
            {"device": f"{n:064x}", "first_seq": 0, "head": {"seq": 0, "hash": "0" * 64}}
            for n in range(5)
        ]
        manifest["devices"] = [*manifest["devices"], *extra]

    files = hostile.with_manifest(five_more)
    with pytest.raises(BadBundle, match="more than 3 devices"):
        verify_bundle(_bundle(tmp_path, files), replace(LIMITS, devices=3))


def test_the_limits_are_those_docs_protocol_md_states() -> None:
    text = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text()
    for words in (
        "64 KiB",
        "64 MiB",
        "50,000",
        "16 MiB",
        "100,000",
        "1,000",
        "1 MiB",
        "64 devices",
    ):
        assert words in text, words
    assert json.dumps(LIMITS.records) == "50000"


@pytest.mark.parametrize(
    "name",
    [
        "screenshots/../records.jsonl",
        "./records.jsonl",
        "screenshots//x.jpg",
        "screenshots/./x.jpg",
        "RECORDS.JSONL",  # records.jsonl where case does not matter
    ],
)
def test_a_member_name_that_could_stand_for_another_is_refused(tmp_path: Path, name: str) -> None:
    files = hostile.members() | {name: b"{}\n"}
    with pytest.raises(BadBundle, match=r"not a plain name|more than once"):
        verify_bundle(_bundle(tmp_path, files))


def test_screenshots_that_inflate_far_beyond_the_zip_are_refused_unread(tmp_path: Path) -> None:
    """A small zip whose named screenshots inflate to gigabytes would be hashed for minutes."""
    files = hostile.members()
    named = [n for n in files if n.startswith("screenshots/")]
    for name in named:
        files[name] = bytes(3_000_000)  # zeros: a few kilobytes deflated
    roomy = replace(LIMITS, screenshot=4_000_000)
    path = _bundle(tmp_path, files)
    path.write_bytes(hostile.zip_bytes(files, zipfile.ZIP_DEFLATED))
    with pytest.raises(BadBundle, match="inflate by"):
        verify_bundle(path, roomy)


def test_screenshots_deflated_by_another_zip_program_still_verify(tmp_path: Path) -> None:
    path = tmp_path / "deflated.zip"
    path.write_bytes(hostile.zip_bytes(hostile.members(), zipfile.ZIP_DEFLATED))
    verdict = verify_bundle(path)
    assert verdict.ok, verdict.failures


def test_a_directory_said_to_be_larger_than_the_file_is_called_damaged(tmp_path: Path) -> None:
    path = _bundle(tmp_path, hostile.members())
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 12 : end + 16] = (0xFFFFFFF0).to_bytes(4, "little")  # the directory's size
    path.write_bytes(bytes(data))
    with pytest.raises(BadBundle, match=r"more than the whole file .* damaged or cut short"):
        verify_bundle(path)
