"""Open a bundle for verify: its manifest, keys and records, and the hashes of its files."""

from __future__ import annotations

import hashlib
import mmap
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .bundle import KEYS, MANIFEST, RECORDS, SCREENSHOTS
from .errors import BadBundle
from .protocol import BUNDLE_FORMAT, Json, parse_json, parse_timestamp, sha256_hex
from .schema import HASH


@dataclass
class Bundle:
    """A bundle opened for reading."""

    path: Path
    archive: zipfile.ZipFile
    manifest: Json
    keys: dict[str, bytes]
    key_devices: dict[str, str]
    lines: list[bytes]
    period: tuple[datetime, datetime]
    #: Every screenshot file's SHA-256 (or why it could not be read), by name, worked out on
    #: another thread while the records are checked (hashing releases the interpreter lock).
    file_hashes: Future[dict[str, FileHash]]

    def screenshot_file(self, sha256: str) -> FileHash | None:
        """What the bundle's file for this screenshot hashes to; None if there is no file."""
        return self.file_hashes.result().get(f"{SCREENSHOTS}{sha256}.jpg")


@dataclass(frozen=True)
class FileHash:
    sha256: str | None
    problem: str | None = None


def _hash_files(path: Path) -> dict[str, FileHash]:
    """Hash each screenshot where it lies in the zip, through a memory map.

    Stored members (as export writes them) are hashed in place: no copy, no CRC pass, and
    hashing lets other threads run. A member stored otherwise is read through zipfile.
    """
    hashes: dict[str, FileHash] = {}
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
                    hashes[info.filename] = FileHash(hashlib.sha256(member).hexdigest())
                continue
            try:
                hashes[info.filename] = FileHash(sha256_hex(archive.read(info)))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
                hashes[info.filename] = FileHash(None, f"{type(error).__name__}: {error}")
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


class _Closing:
    def __init__(self, bundle: Bundle, pool: ThreadPoolExecutor) -> None:
        self.bundle = bundle
        self.pool = pool

    def __enter__(self) -> Bundle:
        return self.bundle

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.bundle.archive.close()


def open_bundle(path: Path) -> _Closing:
    if not path.is_file():
        raise BadBundle(f"There is no file {path}.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BadBundle(
            f"{path} is not a Workdiary bundle: it is not a readable zip file ({error})."
        ) from None
    try:
        names = set(archive.namelist())
        missing = [n for n in (MANIFEST, KEYS, RECORDS) if n not in names]
        if missing:
            raise BadBundle(f"{path} is not a Workdiary bundle: it has no {', '.join(missing)}.")
        manifest = _json_member(archive, MANIFEST, path)
        period = _check_manifest(manifest, path)
        keys, key_devices = _read_keys(_json_member(archive, KEYS, path), path)
        lines = archive.read(RECORDS).splitlines()
    except BaseException:
        archive.close()
        raise
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-files")
    hashes = pool.submit(_hash_files, path)
    bundle = Bundle(path, archive, manifest, keys, key_devices, lines, period, hashes)
    return _Closing(bundle, pool)


def _json_member(archive: zipfile.ZipFile, name: str, path: Path) -> Any:
    try:
        return parse_json(archive.read(name))
    except (ValueError, zipfile.BadZipFile) as error:
        raise BadBundle(f"The {name} of {path} is not valid JSON ({error}).") from None


def _check_manifest(manifest: Any, path: Path) -> tuple[datetime, datetime]:
    try:
        if manifest["format"] != BUNDLE_FORMAT:
            raise BadBundle(
                f"{path} is a bundle of format {manifest['format']!r}; this verifier reads "
                f"{BUNDLE_FORMAT!r}. Use a newer Workdiary."
            )
        start = parse_timestamp(manifest["period"]["start"])
        end = parse_timestamp(manifest["period"]["end"])
        contract = manifest["contract"]
        devices = manifest["devices"]
        if contract is not None and not isinstance(contract, str):
            raise ValueError("contract")
        for device in devices:
            if not HASH(device["device"]) or not HASH(device["head"]["hash"]):
                raise ValueError("device")
            if type(device["head"]["seq"]) is not int:
                raise ValueError("seq")
    except (KeyError, TypeError, ValueError) as error:
        raise BadBundle(f"The manifest of {path} is not valid ({error}).") from None
    return start, end


def _read_keys(keys: Any, path: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    public: dict[str, bytes] = {}
    devices: dict[str, str] = {}
    try:
        for entry in keys["keys"]:
            public[str(entry["key"])] = bytes.fromhex(entry["public_key"])
            devices[str(entry["key"])] = str(entry["device"])
    except (KeyError, TypeError, ValueError) as error:
        raise BadBundle(f"The {KEYS} of {path} is not valid ({error}).") from None
    return public, devices
