"""Mutated bundles, many of them: verify never crashes, never lists more failures than its
limit, and never says a bundle verifies when what was signed in it changed."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.verdict_text import verdict_json, verdict_text
from diary.bundle import verify_bundle
from diary.canonical import canonical
from diary.errors import BadBundle
from diary.limits import LIMITS
from tests.diary import hostile

ORIGINAL = hostile.members()
MEMBERS = ("records.jsonl", "keys.jsonl", "manifest.json")

#: Values a mutation puts where another value was.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.text(max_size=12),
    st.sampled_from(["", "0" * 64, "F" * 64, "2026-11-25T10:03:27Z\n", "\x1b[2J", "\u202e", "-0"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _signed(files: dict[str, bytes]) -> tuple[set[bytes], dict[bytes, bytes]] | None:
    """What was signed: each record's canonical bytes, and each record's details (by record);
    None when a line cannot be read as a record entry at all."""
    records: set[bytes] = set()
    details: dict[bytes, bytes] = {}
    for member in ("keys.jsonl", "records.jsonl"):
        for raw in files.get(member, b"").split(b"\n"):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
                record = canonical(line["record"])
                if "details" in line:
                    details[record] = canonical(line["details"])
            except (ValueError, KeyError, TypeError, RecursionError):
                return None
            records.add(record)
    return records, details


def _nothing_signed_changed(files: dict[str, bytes]) -> bool:
    """Every record in the bundle is one the device signed, and every details object one it
    hashed into its record. (Records may be missing where a bundle need not hold them: before
    the period; details where they are not in scope.)"""
    before, after = _signed(ORIGINAL), _signed(files)
    if before is None or after is None or not after[0] <= before[0]:
        return False
    return all(before[1].get(record) == found for record, found in after[1].items())


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, bytes]:
    files = dict(ORIGINAL)
    for _ in range(draw(st.integers(1, 3))):
        member = draw(st.sampled_from(MEMBERS))
        kind = draw(st.sampled_from(["value", "bytes", "lines"]))
        if kind == "bytes":
            data = bytearray(files[member])
            for _ in range(draw(st.integers(1, 4))):
                at = draw(st.integers(0, len(data) - 1))
                data[at] = draw(st.integers(0, 255))
            files[member] = bytes(data)
        elif kind == "lines":
            lines = files[member].split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            how = draw(st.sampled_from(["swap", "drop", "copy"]))
            if how == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            elif how == "drop":
                del lines[i]
            else:
                lines.insert(j, lines[i])
            files[member] = b"\n".join(lines)
        else:
            files[member] = _change_a_value(draw, files[member], member)
    return files


def _change_a_value(draw: st.DrawFn, data: bytes, member: str) -> bytes:
    try:
        lines = (
            [json.loads(line) for line in data.splitlines()]
            if member != "manifest.json"
            else [json.loads(data)]
        )
    except ValueError:
        return data
    if not lines:
        return data
    target: Any = lines[draw(st.integers(0, len(lines) - 1))]
    for _ in range(draw(st.integers(1, 4))):  # walk down into the object
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target)))
            if isinstance(target[key], dict | list) and target[key] and draw(st.booleans()):
                target = target[key]
                continue
            target[key] = draw(VALUES)
            break
        if isinstance(target, list) and target:
            index = draw(st.integers(0, len(target) - 1))
            if isinstance(target[index], dict | list) and target[index]:
                target = target[index]
                continue
            target[index] = draw(VALUES)
            break
        break
    if member == "manifest.json":
        return json.dumps(lines[0]).encode()
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


@settings(
    max_examples=300,
    deadline=5000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(files=mutated())
def test_mutated_bundles(files: dict[str, bytes], tmp_path: Path) -> None:
    bundle = tmp_path / "fuzzed.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    try:
        verdict = verify_bundle(bundle)
    except BadBundle:
        return  # refused, with its reason: exit 2
    assert len(verdict.failures) <= LIMITS.failures
    verdict_text(verdict)
    json.dumps(verdict_json(verdict))
    if verdict.ok:
        assert _nothing_signed_changed(files), "ok, although what was signed changed"
