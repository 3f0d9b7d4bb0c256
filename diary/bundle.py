"""Bundles: the zip layout (docs/protocol.md, "Bundles"), reading one, and verifying it."""

from __future__ import annotations

import hashlib
import mmap
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .canonical import Json, parse_json, sha256_hex
from .checks import ScreenshotFile
from .entries import Entry, read_line
from .errors import BadBundle
from .failures import Failure
from .schema import CONTRACT, HASH
from .times import WEEK, day_start, is_timestamp, parse_timestamp
from .verify import Head, Scope, Verdict, verify_records

BUNDLE_FORMAT = "workdiary-bundle/2"
#: Bundles of this format carried a keys.json that nothing signed (docs/protocol.md, "Formats").
OLD_FORMATS = ("workdiary-bundle/1",)
MANIFEST, KEYS, RECORDS, SCREENSHOTS = (
    "manifest.json",
    "keys.jsonl",
    "records.jsonl",
    "screenshots/",
)


def screenshot_member(sha256: str) -> str:
    return f"{SCREENSHOTS}{sha256}.jpg"


@dataclass(frozen=True)
class Manifest:
    """What a bundle says it covers. It is not signed: the records decide what verifies."""

    json: Json
    scope: Scope
    heads: dict[str, Head]


@dataclass
class BundleVerdict(Verdict):
    """A verdict on a bundle file, with the manifest it read."""

    path: Path = field(default_factory=Path)
    manifest: Json = field(default_factory=dict)


def verify_bundle(path: Path) -> BundleVerdict:
    """Read the bundle at ``path`` and verify everything in it; BadBundle if it is none."""
    with open_bundle(path) as bundle:
        verdict = verify_records(
            bundle.entries(bundle.records),
            bundle.entries(bundle.keys),
            bundle.manifest.heads,
            bundle.manifest.scope,
            bundle.file,
        )
    return BundleVerdict(**vars(verdict), path=path, manifest=bundle.manifest.json)


@dataclass
class Bundle:
    """A bundle opened for reading."""

    path: Path
    manifest: Manifest
    #: keys.jsonl and records.jsonl, as they are.
    keys: bytes
    records: bytes
    #: Every screenshot file's SHA-256 (or why it could not be read), by name, worked out on
    #: another thread while the records are checked (hashing releases the interpreter lock).
    file_hashes: Future[dict[str, ScreenshotFile]]

    @staticmethod
    def entries(jsonl: bytes) -> Iterator[Entry | Failure]:
        """A .jsonl member line by line: lines end with LF; a final LF ends the last line."""
        lines = jsonl.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        for number, raw in enumerate(lines, start=1):
            yield read_line(raw, number)

    def file(self, sha256: str) -> ScreenshotFile | None:
        """What the bundle's file of this screenshot hashes to; None if there is no file."""
        return self.file_hashes.result().get(screenshot_member(sha256))


@contextmanager
def open_bundle(path: Path) -> Iterator[Bundle]:
    if path.is_dir():
        raise BadBundle(
            f"{path} is a folder: a bundle is a zip file (manifest.json, keys.json and "
            "records.jsonl at its top, screenshots/ beside them)."
        )
    if not path.is_file():
        raise BadBundle(f"There is no file {path}.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BadBundle(
            f"{path} is not a Workdiary bundle: it is not a readable zip file ({error})."
        ) from None
    with archive:
        _check_members(archive, path)
        manifest = _read_manifest(_json_member(archive, MANIFEST, path), path)
        missing = [n for n in (KEYS, RECORDS) if n not in archive.namelist()]
        if missing:
            raise BadBundle(f"{path} is not a Workdiary bundle: it has no {', '.join(missing)}.")
        keys = _member(archive, KEYS, path)
        records = _member(archive, RECORDS, path)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-files") as pool:
        hashes = pool.submit(_hash_files, path)
        try:
            yield Bundle(path, manifest, keys, records, hashes)
        finally:
            hashes.cancel()


def _check_members(archive: zipfile.ZipFile, path: Path) -> None:
    names = [info.filename for info in archive.infolist()]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise BadBundle(
            f"{path} is not a Workdiary bundle: it lists the member {twice[0][:80]!r} more than "
            "once, so that two programs could read two different files."
        )
    for name in names:
        if name.startswith("/") or ".." in posixpath.normpath(name).split("/") or "\\" in name:
            raise BadBundle(
                f"{path} is not a Workdiary bundle: its member {name[:80]!r} points outside it."
            )
    if MANIFEST not in names:
        raise BadBundle(f"{path} is not a Workdiary bundle: it has no {MANIFEST}.")


def _member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        return archive.read(name)
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        zlib.error,
        NotImplementedError,
    ) as error:
        raise BadBundle(f"The {name} of {path} cannot be read ({error}).") from None


def _json_member(archive: zipfile.ZipFile, name: str, path: Path) -> Any:
    try:
        return parse_json(_member(archive, name, path))
    except (ValueError, RecursionError) as error:
        raise BadBundle(f"The {name} of {path} is not valid JSON ({str(error)[:120]}).") from None


def _read_manifest(manifest: Any, path: Path) -> Manifest:
    try:
        if manifest["format"] in OLD_FORMATS:
            raise BadBundle(
                f"{path} was made by an older Workdiary (format {manifest['format']}), whose "
                "bundles do not prove which key belongs to which device. Ask for it to be "
                "exported again."
            )
        if manifest["format"] != BUNDLE_FORMAT:
            raise BadBundle(
                f"{path} is a bundle of format {str(manifest['format'])[:40]!r}; this verifier "
                f"reads {BUNDLE_FORMAT!r}."
            )
        start = parse_timestamp(manifest["period"]["start"])
        end = parse_timestamp(manifest["period"]["end"])
        _check_period(start, end, manifest["week"])
        contract = manifest["contract"]
        if contract is not None and not CONTRACT(contract):
            raise ValueError("contract")
        if not is_timestamp(manifest["created_at"]) or type(manifest["created_by"]) is not str:
            raise ValueError("created")
        heads: dict[str, Head] = {}
        for device in manifest["devices"]:
            seq, head_hash = device["head"]["seq"], device["head"]["hash"]
            if not HASH(device["device"]) or not HASH(head_hash) or type(seq) is not int:
                raise ValueError("devices")
            if device["device"] in heads:
                raise ValueError("a device listed twice")
            heads[device["device"]] = Head(seq, head_hash)
    except (KeyError, TypeError, ValueError) as error:
        raise BadBundle(f"The manifest of {path} is not valid ({error}).") from None
    return Manifest(manifest, Scope(start, end, contract), heads)


#: The longest period a bundle may cover (a month and then some).
MAX_PERIOD_DAYS = 35


def _check_period(start: datetime, end: datetime, week: Any) -> None:
    """The period is whole UTC days, 1 to MAX_PERIOD_DAYS of them, and a week label (which
    verify prints) names exactly the billing week the period is; else ValueError."""
    if start != day_start(start) or end != day_start(end) or not start < end:
        raise ValueError("the period is not whole UTC days")
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise ValueError(f"the period is longer than {MAX_PERIOD_DAYS} days")
    if week is None:
        return
    year, number, weekday = start.isocalendar()
    if week != f"{year}-W{number:02d}" or weekday != 1 or end - start != WEEK:
        raise ValueError(f"the week {str(week)[:20]!r} is not the period it labels")


def _hash_files(path: Path) -> dict[str, ScreenshotFile]:
    """Hash each screenshot where it lies in the zip, through a memory map.

    Stored members (as export writes them) are hashed in place: no copy, no CRC pass, and
    hashing lets other threads run. A member stored otherwise is read through zipfile.
    """
    hashes: dict[str, ScreenshotFile] = {}
    with (
        zipfile.ZipFile(path) as archive,
        path.open("rb") as handle,
        mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        memoryview(data) as view,
    ):
        for info in archive.infolist():
            if not info.filename.startswith(SCREENSHOTS):
                continue
            start = _stored_data_start(view, info)
            if start is not None:
                with view[start : start + info.compress_size] as member:
                    hashes[info.filename] = ScreenshotFile(hashlib.sha256(member).hexdigest())
                continue
            try:
                hashes[info.filename] = ScreenshotFile(sha256_hex(archive.read(info)))
            except (
                zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError
            ) as error:  # fmt: skip
                hashes[info.filename] = ScreenshotFile(None, f"{type(error).__name__}: {error}")
    return hashes


def _stored_data_start(view: memoryview, info: zipfile.ZipInfo) -> int | None:
    """Where a stored member's bytes begin, from its local header; None if not plain."""
    offset = info.header_offset
    header = bytes(view[offset : offset + 30])
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 or len(header) < 30:
        return None
    signature, name_length, extra_length = (
        header[:4], int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
    )  # fmt: skip
    if signature != b"PK\x03\x04" or info.compress_size != info.file_size:
        return None
    name = bytes(view[offset + 30 : offset + 30 + name_length])
    if name != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"):
        return None  # as zipfile does: the local header must name the same member
    start = offset + 30 + name_length + extra_length
    return start if start + info.compress_size <= len(view) else None


def period_of(manifest: Json) -> tuple[datetime, datetime]:
    """The period a (valid) manifest names."""
    return parse_timestamp(manifest["period"]["start"]), parse_timestamp(manifest["period"]["end"])
