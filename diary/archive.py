"""Reading a zip that may be hostile: a bounded directory, members whose data do not overlap,
each read at most once, within its limit, and streamed rather than held whole."""

from __future__ import annotations

import hashlib
import itertools
import mmap
import os
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .checks import ScreenshotFile
from .errors import BadBundle
from .limits import LIMITS, Limits

#: What reading a member can raise, for any zip: each means "cannot be read".
READ_ERRORS = (
    zipfile.BadZipFile,  # a bad CRC, a truncated member
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    zlib.error,  # corrupt deflate data
    NotImplementedError,  # an unknown compression method
    RuntimeError,  # an encrypted member
)
_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
CHUNK = 1 * 1024 * 1024


@dataclass(frozen=True)
class TooLong:
    """A line longer than the limit: skipped, not read."""

    number: int


class Archive:
    """A zip opened for reading a bundle out of it (BadBundle says why it cannot be)."""

    def __init__(self, path: Path, limits: Limits = LIMITS) -> None:
        self.path = path
        self.limits = limits
        _check_directory_size(path, limits)
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise BadBundle(
                f"{path} is not a Workdiary bundle: it is not a readable zip file ({error})."
            ) from None
        try:
            self._handle = path.open("rb")
            self._map = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
            self._members = {info.filename: info for info in self._check_members()}
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for closing in ("_map", "_handle", "_zip"):
            thing = getattr(self, closing, None)
            if thing is not None:
                thing.close()

    def __contains__(self, name: str) -> bool:
        return name in self._members

    def _check_members(self) -> list[zipfile.ZipInfo]:
        """Each name once, none outside the bundle, and no two members sharing data (one
        member listed many times would be read many times)."""
        infos = self._zip.infolist()
        names = [info.filename for info in infos]
        for name in names:
            if not _plain_name(name):
                raise self._refuse(
                    f"its member {name[:80]!r} is not a plain name inside it (a leading /, a "
                    "backslash, or a ., .. or empty part), so it could stand for another member"
                )
        # Case folded too: extracted where case does not matter, two names would be one file.
        counts = Counter(name.casefold() for name in names)
        twice = sorted(n for n in names if counts[n.casefold()] > 1)
        if twice:
            raise self._refuse(
                f"it lists the member {twice[0][:80]!r} more than once, so that two programs "
                "could read two different files"
            )
        spans = sorted((info.header_offset, self._data_end(info)) for info in infos)
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise self._refuse("two of its members share data")
        return infos

    def _data_end(self, info: zipfile.ZipInfo) -> int:
        header = self._bytes_at(info.header_offset, 30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise self._refuse(f"its member {info.filename[:80]!r} has no local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        end: int = info.header_offset + 30 + name_length + extra_length + info.compress_size
        return end

    def _bytes_at(self, offset: int, length: int) -> bytes:
        """A few bytes of the file, read rather than touched through the map: a page touched
        in the map pulls its neighbours into this process's memory too."""
        return os.pread(self._handle.fileno(), length, offset)

    def _refuse(self, why: str) -> BadBundle:
        return BadBundle(f"{self.path} is not a Workdiary bundle: {why}.")

    def read(self, name: str, limit: int) -> bytes:
        """A small member, whole; BadBundle if it is larger than ``limit`` or unreadable."""
        info = self._sized(name, limit)
        try:
            with self._zip.open(info) as stream:
                return stream.read(limit + 1)[:limit]
        except READ_ERRORS as error:
            raise BadBundle(f"The {name} of {self.path} cannot be read: {why(error)}.") from None

    def lines(self, name: str, limit: int) -> Iterator[bytes | TooLong]:
        """A .jsonl member line by line, streamed: lines end with LF (a final LF ends the last
        line); a line over the line limit is skipped and reported as TooLong."""
        info = self._sized(name, limit)
        count = 0
        try:
            with self._zip.open(info) as stream:
                for line in _split_lines(stream, self.limits.line):
                    count += 1
                    if count > self.limits.records:
                        raise self._refuse(
                            f"its {name} holds more than {self.limits.records:,} lines, more "
                            "than the longest period a bundle covers can hold"
                        )
                    yield TooLong(count) if line is None else line
        except READ_ERRORS as error:
            raise BadBundle(f"The {name} of {self.path} cannot be read: {why(error)}.") from None

    def _sized(self, name: str, limit: int) -> zipfile.ZipInfo:
        info = self._members[name]
        if info.file_size > limit:
            raise self._refuse(
                f"its {name} is {info.file_size:,} bytes, more than the {limit:,} a bundle's "
                f"{name} may be"
            )
        return info

    def check_inflation(self, names: Iterable[str]) -> None:
        """Refuse a bundle whose named files would inflate far beyond the room they take: JPEGs
        hardly compress, so a real bundle's screenshots inflate by a few percent at most, and
        reading them costs about one pass over the file."""
        size = len(self._map)
        budget = size // self.limits.inflation_slack + self.limits.screenshot
        # A file over the screenshot limit is not read (it fails), so it costs nothing.
        infos = (self._members[n] for n in names if n in self._members)
        growth = sum(
            max(0, info.file_size - info.compress_size)
            for info in infos
            if info.file_size <= self.limits.screenshot
        )
        if growth > budget:
            raise self._refuse(
                f"the screenshots its records name inflate by {growth:,} bytes, far more than "
                f"a bundle of {size:,} bytes can hold (screenshots hardly compress)"
            )

    def sha256(self, name: str) -> ScreenshotFile | None:
        """What a member hashes to (None when there is no such member). Its bytes are read
        where they lie, through the memory map: no copy, and other threads run meanwhile. The
        SHA-256 is what is checked, so the zip's CRC is not computed."""
        info = self._members.get(name)
        if info is None:
            return None
        if info.file_size > self.limits.screenshot or info.compress_size > self.limits.screenshot:
            return ScreenshotFile(None, f"it is larger than {self.limits.screenshot:,} bytes")
        if info.flag_bits & 0x1:
            return ScreenshotFile(None, "it is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return ScreenshotFile(
                None, f"it is compressed with method {info.compress_type}, not stored or deflated"
            )
        start = self._data_start(info)
        if start is None:
            return ScreenshotFile(None, "its local header does not match the zip's directory")
        try:
            if info.compress_type == zipfile.ZIP_DEFLATED:
                return self._inflated_sha256(info, start)
            if info.compress_size != info.file_size:
                return ScreenshotFile(None, "its stored size and its size differ")
            with memoryview(self._map)[start : start + info.compress_size] as data:
                return ScreenshotFile(hashlib.sha256(data).hexdigest())
        finally:
            self._forget(start, info.compress_size)

    def _forget(self, start: int, length: int) -> None:
        """Drop the pages of bytes read once from this process's memory (the file stays in
        the system's cache): reading a large bundle then costs no more memory than a small one."""
        first = start - start % mmap.PAGESIZE
        if hasattr(mmap, "MADV_DONTNEED") and length > 0:
            self._map.madvise(mmap.MADV_DONTNEED, first, start + length - first)

    def _inflated_sha256(self, info: zipfile.ZipInfo, start: int) -> ScreenshotFile:
        """The SHA-256 of a deflated member, inflating no more than the size it declares."""
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        digest = hashlib.sha256()
        left = info.file_size
        data = memoryview(self._map)[start : start + info.compress_size]
        try:
            for at in range(0, len(data), CHUNK):
                piece: bytes | memoryview = data[at : at + CHUNK]
                while piece and not inflater.eof:
                    out = inflater.decompress(piece, left + 1)
                    left -= len(out)
                    if left < 0:
                        return ScreenshotFile(None, "it inflates to more than its declared size")
                    digest.update(out)
                    piece = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error:
            return ScreenshotFile(None, "its compressed data is damaged")
        finally:
            data.release()
        if not inflater.eof or left != 0:
            return ScreenshotFile(None, "its compressed data ends before its declared size")
        return ScreenshotFile(digest.hexdigest())

    def _data_start(self, info: zipfile.ZipInfo) -> int | None:
        """Where a member's bytes begin; None if its local header names another member (as
        zipfile refuses it) or its data runs past the file's end."""
        offset = info.header_offset
        name_length, extra_length = struct.unpack("<HH", self._bytes_at(offset + 26, 4))
        name = self._bytes_at(offset + 30, name_length)
        if name != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"):
            return None
        start = offset + 30 + name_length + extra_length
        return start if start + info.compress_size <= len(self._map) else None


def why(error: BaseException) -> str:
    """Why a member cannot be read, in words (zipfile's own texts show its internals)."""
    text = str(error)
    if isinstance(error, RuntimeError) and "encrypted" in text:
        return "it is encrypted"
    if isinstance(error, NotImplementedError):
        return "it is compressed with a method a bundle does not use"
    if isinstance(error, zipfile.BadZipFile) and "CRC" in text:
        return "its data is damaged (its checksum does not match)"
    if isinstance(error, zlib.error):
        return "its compressed data is damaged"
    if isinstance(error, EOFError):
        return "it ends before its declared size"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return text[:120] or type(error).__name__


def _plain_name(name: str) -> bool:
    """A relative name made of non-empty parts, none of them . or .. (a folder ends in /)."""
    parts = name.removesuffix("/").split("/")
    return not ("\\" in name or any(part in ("", ".", "..") for part in parts))


def _split_lines(stream: IO[bytes], line_limit: int) -> Iterator[bytes | None]:
    """Lines of at most ``line_limit`` bytes (None for a longer one, whose rest is skipped)."""
    pending = b""
    skipping = False
    while chunk := stream.read(CHUNK):
        pieces = (pending + chunk).split(b"\n")
        pending = pieces.pop()
        for piece in pieces:
            if skipping:
                skipping = False
                yield None
            else:
                yield piece if len(piece) <= line_limit else None
        if len(pending) > line_limit:
            pending, skipping = b"", True
    if skipping:
        yield None
    elif pending:
        yield pending


def _check_directory_size(path: Path, limits: Limits) -> None:
    """Refuse a zip whose directory is too large before zipfile reads it all into memory."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            tail_start = max(0, size - (22 + 65535))
            handle.seek(tail_start)
            tail = handle.read()
            at = tail.rfind(_END)
            if at < 0 or len(tail) < at + 22:
                return  # not a zip: zipfile says so
            entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
            locator = tail_start + at - 20
            if (entries == 0xFFFF or directory == 0xFFFFFFFF) and locator >= 0:
                handle.seek(locator)
                found = handle.read(20)
                if found[:4] == _END64_LOCATOR:
                    (end64,) = struct.unpack("<Q", found[8:16])
                    handle.seek(end64)
                    record = handle.read(56)
                    if len(record) == 56:
                        entries, directory = struct.unpack("<QQ", record[32:48])
    except OSError as error:
        raise BadBundle(f"Cannot read {path} ({error.strerror or error}).") from None
    if directory > size:
        raise BadBundle(
            f"{path} is not a readable zip file: its directory is said to be {directory:,} "
            f"bytes long, more than the whole file ({size:,} bytes). It is damaged or cut short."
        )
    if entries > limits.members:
        raise BadBundle(
            f"{path} is not a Workdiary bundle: its zip directory lists {entries:,} members, "
            f"more than a bundle has ({limits.members:,} at most)."
        )
    if directory > limits.directory:
        raise BadBundle(
            f"{path} is not a Workdiary bundle: its zip directory takes {directory:,} bytes, "
            f"more than a bundle's ({limits.directory:,} at most)."
        )
