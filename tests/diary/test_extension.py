"""Verifying a batch of records that extends a chain whose head is known (what the marketplace
does with each upload), on the published vectors' valid chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from diary.canonical import key_id
from diary.chain import ChainHead, PublicKey
from diary.entries import Entry, read_entry
from diary.extension import verify_extension

VALID = Path(__file__).parents[1] / "vectors" / "bundles" / "valid"


def _lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (VALID / "records.jsonl").read_text("utf-8").splitlines()]


def _keys() -> list[PublicKey]:
    """The keys the valid chain's key records introduce (keys.jsonl)."""
    lines = (VALID / "keys.jsonl").read_text("utf-8").splitlines()
    records = [json.loads(line)["record"] for line in lines]
    return [
        PublicKey(
            key_id(bytes.fromhex(r["public_key"])), r["device"], bytes.fromhex(r["public_key"])
        )
        for r in records
    ]


def _entries(lines: list[dict[str, Any]]) -> list[Entry]:
    entries = [read_entry(line) for line in lines]
    assert all(isinstance(e, Entry) for e in entries)
    return entries  # type: ignore[return-value]


def test_a_chain_uploaded_in_batches_is_accepted_whole_and_counted() -> None:
    lines = _lines()
    first = verify_extension(None, _entries(lines[:4]), _keys())
    assert first.complete and [e.seq for e in first.accepted] == [0, 1, 2, 3]
    assert first.head is not None and first.head.seq == 3
    assert first.counted[lines[3]["record"]["segment"]].billable_seconds == 600
    # Seq 4 is another contract's segment whose details the vector does not carry.
    refused = verify_extension(first.head, _entries(lines[4:6]), _keys())
    assert [f.code for f in refused.failures] == ["details-missing"]
    assert refused.accepted == [] and refused.head == first.head


def test_a_batch_is_accepted_up_to_the_first_record_that_does_not_verify() -> None:
    lines = _lines()
    head = ChainHead(
        lines[4]["record"]["device"], 4, lines[4]["hash"], lines[4]["record"]["signed_at"],
        lines[4]["record"]["key"],
    )  # fmt: skip
    known = {e.record["segment"]: e for e in _entries([lines[2], lines[3]]) if e.type == "segment"}
    batch = json.loads(json.dumps(lines[5:12]))
    batch[4]["details"]["reason"] = "changed after signing"  # seq 9
    extension = verify_extension(head, _entries(batch), _keys(), known)
    assert [e.seq for e in extension.accepted] == [5, 6, 7, 8]
    assert [(f.seq, f.code) for f in extension.failures] == [(9, "details")]
    assert extension.head is not None and extension.head.seq == 8
    # The rotation in seq 5 is followed: the head's key is the new one.
    assert extension.head.key == lines[6]["record"]["key"] != lines[4]["record"]["key"]
    # Seq 6 with the one idle discard of this batch (seq 8): 3 of its 10 minutes discarded.
    assert extension.counted[lines[6]["record"]["segment"]].billable_seconds == 420


@pytest.mark.parametrize(
    ("skip", "code"),
    [(1, "gap"), (0, "link")],
)
def test_a_batch_must_continue_the_known_head(skip: int, code: str) -> None:
    lines = _lines()
    head = ChainHead(
        lines[1]["record"]["device"], 1, "0" * 64 if code == "link" else lines[1]["hash"],
        lines[1]["record"]["signed_at"], lines[1]["record"]["key"],
    )  # fmt: skip
    extension = verify_extension(head, _entries(lines[2 + skip : 4]), _keys())
    assert extension.accepted == []
    assert code in {f.code for f in extension.failures}


def test_an_amendment_needs_its_segment() -> None:
    lines = _lines()
    head = ChainHead(
        lines[6]["record"]["device"], 6, lines[6]["hash"], lines[6]["record"]["signed_at"],
        lines[6]["record"]["key"],
    )  # fmt: skip
    extension = verify_extension(head, _entries(lines[7:8]), _keys())
    assert [(f.seq, f.code) for f in extension.failures] == [(7, "amendment")]
