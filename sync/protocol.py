"""The signed diary's record format (docs/protocol.md): fields, timestamps, canonical bytes, hashes."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import rfc8785

from tracker.records import Amendment, MinuteActivity, Screenshot, Segment

#: The record format; a verifier refuses records of a format it does not know.
FORMAT = "workdiary/1"
BUNDLE_FORMAT = "workdiary-bundle/1"

KEY, SEGMENT, AMENDMENT = "key", "segment", "amendment"

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

Json = dict[str, Any]


def timestamp(when: datetime) -> str:
    """RFC 3339 in UTC with whole seconds and a Z: 2026-11-25T10:03:27Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: A timestamp whose fields are in range; only days 29 to 31 need a calendar as well.
_STRICT_TIMESTAMP = re.compile(
    r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
)


def is_timestamp(text: str) -> bool:
    """Whether ``text`` has the shape of a timestamp and names a real moment."""
    if not _STRICT_TIMESTAMP.match(text):
        return False
    return text[8:10] < "29" or _real_day(text[:10])


@functools.lru_cache(maxsize=256)
def _real_day(day: str) -> bool:
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def parse_timestamp(text: object) -> datetime:
    """The inverse of ``timestamp``; anything else is a ValueError."""
    if not isinstance(text, str) or not _TIMESTAMP.match(text):
        raise ValueError(f"not a timestamp like 2026-11-25T10:03:27Z: {text!r}")
    return _parse_timestamp(text)


@functools.lru_cache(maxsize=4096)
def _parse_timestamp(text: str) -> datetime:
    # A verifier reads tens of thousands of these; strptime would be most of its time.
    return datetime(
        int(text[0:4]), int(text[5:7]), int(text[8:10]),
        int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=UTC,
    )  # fmt: skip


def canonical(value: Any, plain: bool = False) -> bytes:
    """RFC 8785 canonical JSON: sorted member names, no whitespace, UTF-8, minimal escapes.

    For plain values (ASCII member names, integers within 2**53 - 1 either way, no fractions)
    the standard library's sorted, compact form that keeps non-ASCII characters is the same
    byte for byte: it writes the same short escapes and lowercase \\u00xx for other control
    characters, and orders ASCII names as RFC 8785 does. It is many times faster, which matters
    to a verifier reading a month of records; any other value goes through rfc8785.
    ``plain=True`` skips the check for values that come from ``parse_json``, which are plain.
    """
    if plain or _plain(value):
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    return rfc8785.dumps(value)


_SAFE_INTEGER = 2**53 - 1


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INTEGER <= value <= _SAFE_INTEGER)
    if kind is list:
        return all(map(_plain, value))
    if kind is dict:
        return all(type(k) is str and k.isascii() for k in value) and all(
            map(_plain, value.values())
        )
    return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_id(public_key: bytes) -> str:
    """A key's id: the SHA-256 of its raw 32-byte Ed25519 public key, in hex."""
    return sha256_hex(public_key)


def new_record_id() -> str:
    return uuid.uuid4().hex


def parse_json(text: str | bytes) -> Any:
    """Strict JSON for records: refuses duplicate member names (two parsers could read two
    different values), fractions, NaN and Infinity.

    What it returns can be encoded with ``canonical(value, plain=True)``: the only values it
    lets through that are not plain (non-ASCII member names, integers beyond 2**53 - 1) are
    refused by the field checks anyway, which allow neither.
    """
    return json.loads(
        text, object_pairs_hook=_members, parse_float=_no_float, parse_constant=_no_float
    )


def _members(items: list[tuple[str, Any]]) -> Json:
    found = dict(items)
    if len(found) != len(items):
        raise ValueError("duplicate member name")
    return found


def _no_float(text: str) -> Any:
    raise ValueError(f"numbers in records are integers, not {text}")


# Building records ------------------------------------------------------------------------------


def header(
    record_type: str,
    *,
    device: str,
    key: str,
    seq: int,
    prev: str | None,
    signed_at: datetime,
    contract: str | None,
    record_id: str | None = None,
) -> Json:
    """The fields every record has."""
    return {
        "format": FORMAT,
        "type": record_type,
        "id": record_id or new_record_id(),
        "device": device,
        "key": key,
        "seq": seq,
        "prev": prev,
        "signed_at": timestamp(signed_at),
        "contract": contract,
    }


def key_fields(public_key: bytes) -> Json:
    return {"public_key": public_key.hex()}


def minute_details(minute: MinuteActivity) -> Json:
    return {
        "start": timestamp(minute.start),
        "keys": minute.keys,
        "clicks": minute.clicks,
        "scrolls": minute.scrolls,
        "moves": minute.moves,
        "injected": minute.injected,
        "unavailable": minute.unavailable,
    }


def screenshot_details(shot: Screenshot) -> Json:
    return {
        "taken_at": timestamp(shot.taken_at),
        "sha256": shot.sha256,
        "missing": shot.missing_reason,
        "blurred": shot.blurred,
    }


def segment_details(
    segment: Segment, minutes: Iterable[MinuteActivity], screenshots: Iterable[Screenshot]
) -> Json:
    """What a client sees of a segment beyond its time: memo, activity, screenshots."""
    minutes = sorted(minutes, key=lambda m: m.start)
    return {
        "memo": segment.memo,
        "minutes": [minute_details(m) for m in minutes],
        "active_minutes": sum(1 for m in minutes if m.active),
        "screenshots": [
            screenshot_details(s) for s in sorted(screenshots, key=lambda s: (s.taken_at, s.id))
        ],
        "close_reason": segment.close_reason,
    }


def segment_fields(segment: Segment, details_hash: str) -> Json:
    assert segment.end is not None, "only closed segments are signed"
    return {
        "segment": segment.id,
        "state": segment.kind.value,
        "start": timestamp(segment.start),
        "end": timestamp(segment.end),
        "details": details_hash,
    }


def amendment_details(amendment: Amendment) -> Json:
    return {"memo": amendment.memo, "reason": amendment.reason}


def amendment_fields(amendment: Amendment, details_hash: str) -> Json:
    return {
        "segment": amendment.segment_id,
        "kind": amendment.kind.value,
        "made_at": timestamp(amendment.made_at),
        "start": None if amendment.start is None else timestamp(amendment.start),
        "end": None if amendment.end is None else timestamp(amendment.end),
        "screenshot": amendment.screenshot_sha256,
        "details": details_hash,
    }
