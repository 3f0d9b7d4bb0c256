"""The exact fields of each record type and of record details (docs/protocol.md), as checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tracker.records import AmendmentKind, SegmentKind

from .protocol import AMENDMENT, FORMAT, KEY, SEGMENT, Json, is_timestamp

Check = Callable[[Any], bool]


def _hex(length: int) -> Check:
    pattern = re.compile(rf"^[0-9a-f]{{{length}}}$")
    return lambda v: isinstance(v, str) and bool(pattern.match(v))


def _timestamp(value: Any) -> bool:
    return isinstance(value, str) and is_timestamp(value)


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= 2**53 - 1


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _maybe(check: Check) -> Check:
    return lambda v: v is None or check(v)


def _one_of(*values: str) -> Check:
    return lambda v: v in values


def _list_of(schema: dict[str, Check]) -> Check:
    return lambda v: isinstance(v, list) and all(not problems(item, schema) for item in v)


HASH, RECORD_ID = _hex(64), _hex(32)

COMMON: dict[str, Check] = {
    "format": _one_of(FORMAT),
    "type": _one_of(KEY, SEGMENT, AMENDMENT),
    "id": RECORD_ID,
    "device": HASH,
    "key": HASH,
    "seq": _count,
    "prev": _maybe(HASH),
    "signed_at": _timestamp,
    "contract": _maybe(_text),
}

RECORD_FIELDS: dict[str, dict[str, Check]] = {
    KEY: {**COMMON, "public_key": HASH},
    SEGMENT: {
        **COMMON,
        "segment": RECORD_ID,
        "state": _one_of(*(k.value for k in SegmentKind)),
        "start": _timestamp,
        "end": _timestamp,
        "details": HASH,
    },
    AMENDMENT: {
        **COMMON,
        "segment": RECORD_ID,
        "kind": _one_of(*(k.value for k in AmendmentKind)),
        "made_at": _timestamp,
        "start": _maybe(_timestamp),
        "end": _maybe(_timestamp),
        "screenshot": _maybe(HASH),
        "details": HASH,
    },
}

MINUTE_FIELDS: dict[str, Check] = {
    "start": _timestamp,
    "keys": _count,
    "clicks": _count,
    "scrolls": _count,
    "moves": _count,
    "injected": _count,
    "unavailable": _maybe(_text),
}

SCREENSHOT_FIELDS: dict[str, Check] = {
    "taken_at": _timestamp,
    "sha256": _maybe(HASH),
    "missing": _maybe(_text),
    "blurred": lambda v: isinstance(v, bool),
}

_MINUTE_COUNTS = ("keys", "clicks", "scrolls", "moves", "injected")


def _minutes(value: Any) -> bool:
    """MINUTE_FIELDS for every item, written out: a month of records holds 45,000 minutes."""
    if not isinstance(value, list):
        return False
    names = MINUTE_FIELDS.keys()
    for minute in value:
        if type(minute) is not dict or minute.keys() != names:
            return False
        for count in _MINUTE_COUNTS:
            number = minute[count]
            if type(number) is not int or not 0 <= number <= 2**53 - 1:
                return False
        unavailable = minute["unavailable"]
        if unavailable is not None and type(unavailable) is not str:
            return False
        if not _timestamp(minute["start"]):
            return False
    return True


DETAILS_FIELDS: dict[str, dict[str, Check]] = {
    SEGMENT: {
        "memo": _text,
        "minutes": _minutes,
        "active_minutes": _count,
        "screenshots": _list_of(SCREENSHOT_FIELDS),
        "close_reason": _maybe(_text),
    },
    AMENDMENT: {"memo": _maybe(_text), "reason": _maybe(_text)},
}


def problems(value: Any, schema: dict[str, Check]) -> list[str]:
    """What is wrong with an object against its schema: missing, unknown or mistyped fields."""
    if not isinstance(value, dict):
        return ["it is not a JSON object"]
    if value.keys() == schema.keys():
        for name, check in schema.items():  # the usual case, made quick: a verifier runs
            if not check(value[name]):  # this over every minute of a month
                break
        else:
            return []
    found: list[str] = []
    missing = [name for name in schema if name not in value]
    unknown = [name for name in value if name not in schema]
    if missing:
        found.append(f"missing field(s) {', '.join(missing)}")
    if unknown:
        found.append(f"unknown field(s) {', '.join(sorted(unknown))}")
    found += [
        f"field {name} has a wrong value {value[name]!r}"[:200]
        for name, check in schema.items()
        if name in value and not check(value[name])
    ]
    return found


def record_problems(record: Any) -> list[str]:
    if not isinstance(record, dict):
        return ["the record is not a JSON object"]
    record_type = record.get("type")
    schema = RECORD_FIELDS.get(record_type) if isinstance(record_type, str) else None
    if schema is None:
        return [f"unknown record type {record.get('type')!r}"]
    return problems(record, schema)


def details_problems(record_type: str, details: Json) -> list[str]:
    return problems(details, DETAILS_FIELDS[record_type])
