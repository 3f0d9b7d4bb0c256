"""The exact fields of each record type and of record details (docs/protocol.md), as checks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .canonical import MAX_INTEGER
from .records import FORMAT, AmendmentKind, RecordType, SegmentKind
from .times import is_timestamp

Check = Callable[[Any], bool]


def _pattern(expression: str) -> Check:
    pattern = re.compile(expression)
    # fullmatch: a "$" would let a final newline through.
    return lambda v: type(v) is str and pattern.fullmatch(v) is not None


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_INTEGER


def _text(value: Any) -> bool:
    return type(value) is str


def _null(value: Any) -> bool:
    return value is None


def _maybe(check: Check) -> Check:
    return lambda v: v is None or check(v)


def _one_of(*values: str) -> Check:
    return lambda v: type(v) is str and v in values


def _list_of(schema: dict[str, Check]) -> Check:
    return lambda v: type(v) is list and all(not problems(item, schema) for item in v)


HASH = _pattern(r"[0-9a-f]{64}")
RECORD_ID = _pattern(r"[0-9a-f]{32}")
SIGNATURE = _pattern(r"[0-9a-f]{128}")
#: A contract id: 1 to 128 characters of letters, digits and . _ : / - (a device's own
#: contract is its number; a marketplace's contract is the marketplace's id for it).
CONTRACT = _pattern(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")

COMMON: dict[str, Check] = {
    "format": _one_of(FORMAT),
    "type": _one_of(*RecordType),
    "id": RECORD_ID,
    "device": HASH,
    "key": HASH,
    "seq": _count,
    "prev": _maybe(HASH),
    "signed_at": is_timestamp,
    "contract": CONTRACT,
}

RECORD_FIELDS: dict[str, dict[str, Check]] = {
    RecordType.KEY: {**COMMON, "contract": _null, "public_key": HASH},
    RecordType.SEGMENT: {
        **COMMON,
        "segment": RECORD_ID,
        "state": _one_of(*SegmentKind),
        "start": is_timestamp,
        "end": is_timestamp,
        "details": HASH,
    },
    RecordType.AMENDMENT: {
        **COMMON,
        "segment": RECORD_ID,
        "kind": _one_of(*AmendmentKind),
        "made_at": is_timestamp,
        "start": _maybe(is_timestamp),
        "end": _maybe(is_timestamp),
        "screenshot": _maybe(HASH),
        "details": HASH,
    },
}

MINUTE_FIELDS: dict[str, Check] = {
    "start": is_timestamp,
    "keys": _count,
    "clicks": _count,
    "scrolls": _count,
    "moves": _count,
    "injected": _count,
    "unavailable": _maybe(_text),
}

SCREENSHOT_FIELDS: dict[str, Check] = {
    "taken_at": is_timestamp,
    "sha256": _maybe(HASH),
    "missing": _maybe(_text),
    "blurred": lambda v: type(v) is bool,
}

_MINUTE_COUNTS = ("keys", "clicks", "scrolls", "moves", "injected")


def _minutes(value: Any) -> bool:
    """MINUTE_FIELDS for every item, written out: a month of records holds 45,000 minutes."""
    if type(value) is not list:
        return False
    names = MINUTE_FIELDS.keys()
    for minute in value:
        if type(minute) is not dict or minute.keys() != names:
            return False
        for count in _MINUTE_COUNTS:
            number = minute[count]
            if type(number) is not int or not 0 <= number <= MAX_INTEGER:
                return False
        unavailable = minute["unavailable"]
        if unavailable is not None and type(unavailable) is not str:
            return False
        if not is_timestamp(minute["start"]):
            return False
    return True


DETAILS_FIELDS: dict[str, dict[str, Check]] = {
    RecordType.SEGMENT: {
        "memo": _text,
        "minutes": _minutes,
        "active_minutes": _count,
        "screenshots": _list_of(SCREENSHOT_FIELDS),
        "close_reason": _maybe(_text),
    },
    RecordType.AMENDMENT: {"memo": _maybe(_text), "reason": _maybe(_text)},
}


#: The fields that are lists of objects, and each object's fields.
LIST_ITEMS: dict[str, dict[str, Check]] = {
    "minutes": MINUTE_FIELDS,
    "screenshots": SCREENSHOT_FIELDS,
}


def problems(value: Any, schema: dict[str, Check]) -> list[str]:
    """What is wrong with an object against its schema: missing, unknown or mistyped fields."""
    if type(value) is not dict:
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
        found.append(f"unknown field(s) {', '.join(sorted(unknown))}"[:200])
    found += [
        _wrong(name, value[name])
        for name, check in schema.items()
        if name in value and not check(value[name])
    ]
    return found


def _wrong(name: str, value: object) -> str:
    """A short value is shown as JSON; in a list of objects, the first wrong item's problem."""
    items = LIST_ITEMS.get(name)
    if items is not None and isinstance(value, list):
        for number, item in enumerate(value):
            found = problems(item, items)
            if found:
                return f"field {name}, item {number}: {found[0]}"
    if isinstance(value, list | dict):
        kind = "list" if isinstance(value, list) else "object"
        return f"field {name} is a {kind}, not what docs/protocol.md gives"
    shown = json.dumps(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"field {name} has a wrong value {shown}"


def record_problems(record: Any) -> list[str]:
    if type(record) is not dict:
        return ["the record is not a JSON object"]
    record_type = record.get("type")
    schema = RECORD_FIELDS.get(record_type) if type(record_type) is str else None
    if schema is None:
        return [f"unknown record type {str(record.get('type'))[:40]!r}"]
    return problems(record, schema)


def details_problems(record_type: str, details: Any) -> list[str]:
    return problems(details, DETAILS_FIELDS[record_type])
