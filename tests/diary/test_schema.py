"""The field checks of records and details, and strict parsing."""

from __future__ import annotations

from typing import Any

import pytest

from diary.canonical import canonical, parse_json
from diary.schema import details_problems, record_problems

MINUTE = {
    "start": "2026-11-25T10:03:00Z",
    "keys": 3,
    "clicks": 1,
    "scrolls": 0,
    "moves": 9,
    "injected": 0,
    "unavailable": None,
}
DETAILS: dict[str, Any] = {
    "memo": "Checkout page",
    "minutes": [MINUTE],
    "active_minutes": 1,
    "screenshots": [
        {"taken_at": "2026-11-25T10:04:00Z", "sha256": "a" * 64, "missing": None, "blurred": False}
    ],
    "close_reason": "segment ended",
}
RECORD: dict[str, Any] = {
    "format": "workdiary/1",
    "type": "segment",
    "id": "0" * 32,
    "device": "d" * 64,
    "key": "d" * 64,
    "seq": 4,
    "prev": "e" * 64,
    "signed_at": "2026-11-25T10:10:01Z",
    "contract": "1",
    "segment": "1" * 32,
    "state": "tracked",
    "start": "2026-11-25T10:03:27Z",
    "end": "2026-11-25T10:10:00Z",
    "details": "f" * 64,
}


def test_well_formed_record_and_details_pass() -> None:
    assert record_problems(RECORD) == []
    assert details_problems("segment", DETAILS) == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"seq": -1}, "field seq"),
        ({"seq": 2**53}, "field seq"),
        ({"start": "2026-11-25T10:60:00Z"}, "field start"),
        ({"start": "2026-11-25 10:03:27"}, "field start"),
        ({"state": "deleted"}, "field state"),
        ({"prev": "E" * 64}, "field prev"),
        ({"extra": 1}, "unknown field(s) extra"),
        ({"format": "workdiary/2"}, "field format"),
        # A "$" in a pattern would let these through: a final newline is not part of a value.
        ({"start": "2026-11-25T10:03:27Z\n"}, "field start"),
        ({"id": "0" * 32 + "\n"}, "field id"),
        ({"device": "d" * 64 + "\n"}, "field device"),
        ({"contract": "1\n"}, "field contract"),
        ({"start": "9999-12-31T23:55:00Z"}, "field start"),
    ],
)
def test_malformed_records_are_named(change: dict[str, Any], words: str) -> None:
    assert any(words in p for p in record_problems(RECORD | change))


def test_a_missing_field_is_named() -> None:
    record = {k: v for k, v in RECORD.items() if k != "end"}
    assert record_problems(record) == ["missing field(s) end"]


@pytest.mark.parametrize(
    ("minute", "problem"),
    [
        (MINUTE | {"keys": -1}, "field keys has a wrong value -1"),
        (MINUTE | {"clicks": "1"}, 'field clicks has a wrong value "1"'),
        (
            MINUTE | {"start": "2026-11-25T10:61:00Z"},
            'field start has a wrong value "2026-11-25T10:61:00Z"',
        ),
        (MINUTE | {"unavailable": 3}, "field unavailable has a wrong value 3"),
        ({k: v for k, v in MINUTE.items() if k != "moves"}, "missing field(s) moves"),
        (MINUTE | {"which_key": "a"}, "unknown field(s) which_key"),
        (MINUTE | {"keys": True}, "field keys has a wrong value true"),
        (MINUTE | {"keys": [1] * 1000}, "field keys is a list, not what docs/protocol.md gives"),
    ],
)
def test_malformed_minutes_are_refused_saying_which_and_why(
    minute: dict[str, Any], problem: str
) -> None:
    """The first wrong minute and its problem, in JSON's words (never a printout of the data)."""
    assert details_problems("segment", DETAILS | {"minutes": [MINUTE, minute]}) == [
        f"field minutes, item 1: {problem}"
    ]


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 2}', '{"a": 1.5}', '{"a": NaN}', '{"a": 1e3}'],
)
def test_strict_parsing(text: str) -> None:
    with pytest.raises(ValueError):
        parse_json(text)


def test_canonical_falls_back_to_rfc8785_for_values_outside_the_plain_subset() -> None:
    import rfc8785

    unusual: dict[str, Any] = {"é": 1, "z": "🙂", "\U0001f642": 2, "\uffff": 3}
    assert canonical(unusual) == rfc8785.dumps(unusual)
    with pytest.raises(ValueError, match=r"range|domain"):
        canonical({"n": 2**60})
    with pytest.raises(ValueError, match="surrogate"):
        canonical({"memo": "\ud800"})
