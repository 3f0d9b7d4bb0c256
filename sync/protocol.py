"""The signed diary's record format (docs/protocol.md): fields, timestamps, canonical bytes, hashes."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import rfc8785

from tracker.records import Amendment, MinuteActivity, Screenshot, Segment

#: The record format; a verifier refuses records of a format it does not know.
FORMAT = "workdiary/1"
BUNDLE_FORMAT = "workdiary-bundle/1"

KEY, SEGMENT, AMENDMENT = "key", "segment", "amendment"
RECORD_TYPES = (KEY, SEGMENT, AMENDMENT)

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

Json = dict[str, Any]


def timestamp(when: datetime) -> str:
    """RFC 3339 in UTC with whole seconds and a Z: 2026-11-25T10:03:27Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: object) -> datetime:
    """The inverse of ``timestamp``; anything else is a ValueError."""
    if not isinstance(text, str) or not _TIMESTAMP.match(text):
        raise ValueError(f"not a timestamp like 2026-11-25T10:03:27Z: {text!r}")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def canonical(value: Json) -> bytes:
    """RFC 8785 canonical JSON: sorted keys, no whitespace, UTF-8, minimal escapes."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_id(public_key: bytes) -> str:
    """A key's id: the SHA-256 of its raw 32-byte Ed25519 public key, in hex."""
    return sha256_hex(public_key)


def new_record_id() -> str:
    return uuid.uuid4().hex


def parse_json(text: str | bytes) -> Any:
    """Strict JSON for records: no duplicate keys, no floats, no NaN or Infinity."""

    def pairs(items: list[tuple[str, Any]]) -> Json:
        found: Json = {}
        for key, value in items:
            if key in found:
                raise ValueError(f"duplicate key {key!r}")
            found[key] = value
        return found

    def no_float(text: str) -> Any:
        raise ValueError(f"numbers in records are integers, not {text}")

    return json.loads(text, object_pairs_hook=pairs, parse_float=no_float, parse_constant=no_float)


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
