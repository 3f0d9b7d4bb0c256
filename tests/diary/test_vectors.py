"""The published test vectors: current, and verified alike by `verify` and an independent verifier."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from diary.bundle import verify_bundle
from diary.canonical import canonical, sha256_hex
from diary.errors import BadBundle
from diary.failures import CODES
from tests.diary import independent_verifier
from tests.vectors.generate import generate

VECTORS = Path(__file__).parents[1] / "vectors"
EXPECTED: dict[str, Any] = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))
BUNDLES = {path.name: path for path in sorted((VECTORS / "bundles").iterdir())}
REFUSED = {path.stem: path for path in sorted((VECTORS / "refused").iterdir())}


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".json", ".jsonl", ".jpg", ".zip")
    }


def test_the_vectors_are_exactly_what_the_implementation_makes(tmp_path: Path) -> None:
    for image in VECTORS.glob("*.jpg"):
        (tmp_path / image.name).write_bytes(image.read_bytes())
    generate(tmp_path)
    assert _files(tmp_path) == _files(VECTORS)


def test_every_check_code_has_a_vector() -> None:
    codes = {
        failure["code"]
        for verdict in EXPECTED["verdicts"].values()
        for failure in verdict.get("failures", [])
    }
    assert codes == set(CODES)
    assert set(EXPECTED["verdicts"]) == set(BUNDLES) | set(REFUSED)


@pytest.mark.parametrize("case", EXPECTED["canonical_json"], ids=lambda c: c["name"])
def test_canonical_json(case: dict[str, Any]) -> None:
    assert canonical(case["value"]).decode() == case["canonical"]
    assert independent_verifier.encode(case["value"]).decode() == case["canonical"]


def test_keys_hashes_and_signatures_match_a_second_ed25519_library() -> None:
    keys = {k["key_id"]: k for k in EXPECTED["keys"].values()}
    for name, key in EXPECTED["keys"].items():
        signing = nacl.signing.SigningKey(bytes.fromhex(key["seed"]))
        assert signing.verify_key.encode().hex() == key["public_key"], name
        assert independent_verifier.sha(bytes.fromhex(key["public_key"])) == key["key_id"]
    records = [
        json.loads(line)
        for line in (VECTORS / "bundles" / "valid" / "records.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    assert len(records) == len(EXPECTED["records"]) == 18
    for line, expected in zip(records, EXPECTED["records"], strict=True):
        data = expected["canonical"].encode()
        assert independent_verifier.encode(line["record"]) == data == canonical(line["record"])
        assert independent_verifier.sha(data) == expected["hash"] == sha256_hex(data)
        public = bytes.fromhex(keys[line["record"]["key"]]["public_key"])
        nacl.signing.VerifyKey(public).verify(data, bytes.fromhex(expected["signature"]))
        if expected["details_canonical"] is not None:
            details = expected["details_canonical"].encode()
            assert independent_verifier.encode(line["details"]) == details
            assert independent_verifier.sha(details) == expected["details_hash"]


def test_receipts_match_a_second_ed25519_library() -> None:
    market = EXPECTED["keys"]["marketplace"]
    verify_key = nacl.signing.VerifyKey(bytes.fromhex(market["public_key"]))
    receipts = [
        json.loads(line)
        for line in (VECTORS / "bundles" / "receipts" / "receipts.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    assert len(receipts) == len(EXPECTED["receipts"]) == len(EXPECTED["records"])
    for line, expected, record in zip(
        receipts, EXPECTED["receipts"], EXPECTED["records"], strict=True
    ):
        data = expected["canonical"].encode()
        assert independent_verifier.encode(line["receipt"]) == data == canonical(line["receipt"])
        assert line["signature"] == expected["signature"]
        verify_key.verify(data, bytes.fromhex(expected["signature"]))
        assert line["receipt"]["marketplace"] == market["key_id"]
        assert (line["receipt"]["seq"], line["receipt"]["record"]) == (
            record["seq"],
            record["hash"],
        )


def _zip(directory: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as bundle:
        for name, data in _files(directory).items():
            bundle.writestr(name, data)
    return target


def _expected(name: str) -> tuple[bool, list[tuple[int, str]], dict[str, int]]:
    verdict = EXPECTED["verdicts"][name]
    failures = sorted((f["seq"], f["code"]) for f in verdict["failures"])
    return verdict["ok"], failures, verdict["hours"]


@pytest.mark.parametrize("name", list(BUNDLES))
def test_verdicts_of_workdiary_verify(name: str, tmp_path: Path) -> None:
    verdict = verify_bundle(_zip(BUNDLES[name], tmp_path / f"{name}.zip"))
    found = sorted({(f.seq if f.seq is not None else -1, f.code) for f in verdict.failures})
    hours = {f"{c} {d}": s for (c, d), s in verdict.seconds.items()}
    assert (verdict.ok, found, hours) == _expected(name)


@pytest.mark.parametrize("name", list(BUNDLES))
def test_verdicts_of_the_independent_verifier(name: str, tmp_path: Path) -> None:
    for path in (BUNDLES[name], _zip(BUNDLES[name], tmp_path / f"{name}.zip")):
        verdict = independent_verifier.verify(path)
        assert (verdict["ok"], verdict["failures"], verdict["hours"]) == _expected(name)


@pytest.mark.parametrize("name", list(BUNDLES))
def test_both_verifiers_say_which_keys_a_marketplace_vouched_for(name: str, tmp_path: Path) -> None:
    bundle = _zip(BUNDLES[name], tmp_path / f"{name}.zip")
    verdict = verify_bundle(bundle)
    found = [k["seq"] for d in verdict.devices for k in d["key_chain"] if k["vouched_by"]]
    assert found == EXPECTED["verdicts"][name]["vouched"]
    independent = independent_verifier.verify(BUNDLES[name])
    assert [seq for _, seq in independent["vouched"]] == EXPECTED["verdicts"][name]["vouched"]
    market = EXPECTED["keys"]["marketplace"]["key_id"]
    assert {k["vouched_by"] for d in verdict.devices for k in d["key_chain"]} <= {market, None}


@pytest.mark.parametrize("name", list(REFUSED))
def test_both_verifiers_refuse_what_is_not_a_bundle(name: str) -> None:
    assert EXPECTED["verdicts"][name] == {"refused": True}
    with pytest.raises(BadBundle):
        verify_bundle(REFUSED[name])
    with pytest.raises(independent_verifier.Refused):
        independent_verifier.verify(REFUSED[name])
