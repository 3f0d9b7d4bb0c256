"""Hostile bundles made from the valid vector: zips changed at the byte level, or holding more
than any bundle does (tests of verify's refusals and limits, and the fuzz test)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

VALID = Path(__file__).parents[1] / "vectors" / "bundles" / "valid"


def members(folder: Path = VALID) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def zip_bytes(files: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_member(data: bytes, name: str, change: Callable[[bytearray, int, int], None]) -> bytes:
    """Change the bytes of one member's local header (and central directory entry): ``change``
    gets the buffer and the offsets of both headers."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    buffer = bytearray(data)
    central = buffer.find(b"PK\x01\x02")
    while central >= 0:
        (offset,) = struct.unpack("<I", buffer[central + 42 : central + 46])
        if offset == info.header_offset:
            break
        central = buffer.find(b"PK\x01\x02", central + 4)
    assert central >= 0, name
    change(buffer, info.header_offset, central)
    return bytes(buffer)


def encrypted(buffer: bytearray, local: int, central: int) -> None:
    buffer[local + 6] |= 0x01
    buffer[central + 8] |= 0x01


def compression_99(buffer: bytearray, local: int, central: int) -> None:
    buffer[local + 8 : local + 10] = struct.pack("<H", 99)
    buffer[central + 10 : central + 12] = struct.pack("<H", 99)


def data_changed(buffer: bytearray, local: int, central: int) -> None:
    """One byte in the middle of the member's data: a bad CRC (or corrupt deflate data)."""
    name_length, extra_length = struct.unpack("<HH", buffer[local + 26 : local + 30])
    (size,) = struct.unpack("<I", buffer[local + 18 : local + 22])
    middle = local + 30 + name_length + extra_length + size // 2
    buffer[middle] ^= 0x5A


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def with_manifest(change: Callable[[dict[str, Any]], None]) -> dict[str, bytes]:
    files = members()
    manifest = json.loads(files["manifest.json"])
    change(manifest)
    files["manifest.json"] = json.dumps(manifest).encode()
    return files
