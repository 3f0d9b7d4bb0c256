"""Building records and their details the way docs/protocol.md defines them (signing is the
device's job: these only lay out the fields)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from .canonical import Json
from .records import FORMAT, AmendmentKind, MinuteActivity, RecordType, ScreenshotEntry, SegmentKind
from .times import timestamp


def new_record_id() -> str:
    """128 random bits, as 32 lowercase hex characters."""
    return uuid.uuid4().hex


def header(
    record_type: RecordType,
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
        "type": record_type.value,
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


def screenshot_details(shot: ScreenshotEntry) -> Json:
    return {
        "taken_at": timestamp(shot.taken_at),
        "sha256": shot.sha256,
        "missing": shot.missing,
        "blurred": shot.blurred,
    }


def segment_details(
    memo: str,
    minutes: Iterable[MinuteActivity],
    screenshots: Iterable[ScreenshotEntry],
    close_reason: str | None,
) -> Json:
    """What a client sees of a segment beyond its time: memo, activity, screenshots.

    Screenshots are listed in the order they were taken (callers break ties of the same second).
    """
    ordered = sorted(minutes, key=lambda m: m.start)
    return {
        "memo": memo,
        "minutes": [minute_details(m) for m in ordered],
        "active_minutes": sum(1 for m in ordered if m.active),
        "screenshots": [screenshot_details(s) for s in screenshots],
        "close_reason": close_reason,
    }


def segment_fields(
    segment_id: str, kind: SegmentKind, start: datetime, end: datetime, details_hash: str
) -> Json:
    return {
        "segment": segment_id,
        "state": kind.value,
        "start": timestamp(start),
        "end": timestamp(end),
        "details": details_hash,
    }


def amendment_details(memo: str | None, reason: str | None) -> Json:
    return {"memo": memo, "reason": reason}


def amendment_fields(
    segment_id: str,
    kind: AmendmentKind,
    made_at: datetime,
    details_hash: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    screenshot: str | None = None,
) -> Json:
    """An amendment's own fields; those its kind does not use are null (docs/protocol.md)."""
    return {
        "segment": segment_id,
        "kind": kind.value,
        "made_at": timestamp(made_at),
        "start": None if start is None else timestamp(start),
        "end": None if end is None else timestamp(end),
        "screenshot": screenshot,
        "details": details_hash,
    }
