"""verify on hostile bundles: a clear refusal (exit 2) or a verdict (exit 1), never a crash
(exit 70), for every byte-level trick found so far."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.main import main
from tests.diary import hostile

#: Each: how the zip is made, and a few words of the reason verify must give.
REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "records nested 100,000 deep": (
        lambda: hostile.zip_bytes(hostile.members() | {"records.jsonl": hostile.nested(100_000)}),
        "",
    ),
    "manifest nested 100,000 deep": (
        lambda: hostile.zip_bytes(hostile.members() | {"manifest.json": hostile.nested(100_000)}),
        "is not valid JSON (it is nested too deeply)",
    ),
    "encrypted records": (
        lambda: hostile.patch_member(
            hostile.zip_bytes(hostile.members()), "records.jsonl", hostile.encrypted
        ),
        "records.jsonl of",
    ),
    "encrypted, in words": (
        lambda: hostile.patch_member(
            hostile.zip_bytes(hostile.members()), "records.jsonl", hostile.encrypted
        ),
        "cannot be read: it is encrypted.",
    ),
    "compression method 99": (
        lambda: hostile.patch_member(
            hostile.zip_bytes(hostile.members()), "records.jsonl", hostile.compression_99
        ),
        "it is compressed with a method a bundle does not use",
    ),
    "bad CRC": (
        lambda: hostile.patch_member(
            hostile.zip_bytes(hostile.members()), "records.jsonl", hostile.data_changed
        ),
        "its data is damaged (its checksum does not match)",
    ),
    "corrupt deflate data": (
        lambda: hostile.patch_member(
            hostile.zip_bytes(hostile.members(), zipfile.ZIP_DEFLATED),
            "records.jsonl",
            hostile.data_changed,
        ),
        "records.jsonl of",
    ),
    "a number of 5,000 digits": (
        lambda: hostile.zip_bytes(hostile.members() | {"manifest.json": b"1" * 5000}),
        "is not valid JSON (a number has too many digits)",
    ),
    "a period ending 0001-01-01": (
        lambda: hostile.zip_bytes(
            hostile.with_manifest(
                lambda m: m.update(
                    period={"start": "2026-11-23T00:00:00Z", "end": "0001-01-01T00:00:00Z"}
                )
            )
        ),
        "manifest",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_hostile_zips_are_refused_or_judged_never_a_crash(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, words = REFUSED[name]
    bundle = tmp_path / "hostile.zip"
    bundle.write_bytes(make())
    code = main(["verify", str(bundle)])
    out, err = capsys.readouterr()
    assert code in (1, 2), (code, out, err)
    assert "Something went wrong inside Workdiary" not in err
    assert words in (err if code == 2 else out)
    assert main(["verify", str(bundle), "--json"]) in (1, 2)
    json.loads(capsys.readouterr().out)  # JSON either way


def test_a_segment_in_the_year_9999_is_a_format_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = hostile.members()
    lines = [json.loads(line) for line in files["records.jsonl"].splitlines()]
    segment = next(line for line in lines if line["record"]["type"] == "segment")
    segment["record"]["start"] = "9999-12-31T23:55:00Z"
    segment["record"]["end"] = "9999-12-31T23:59:59Z"
    files["records.jsonl"] = "".join(json.dumps(line) + "\n" for line in lines).encode()
    bundle = tmp_path / "year-9999.zip"
    bundle.write_bytes(hostile.zip_bytes(files))
    assert main(["verify", str(bundle), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert ("format", segment["record"]["seq"]) in {
        (f["code"], f["seq"]) for f in report["failures"]
    }
