"""Export and verify: a real week round-trips; every kind of tampering is caught and named."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.main import main
from diary.bundle import verify_bundle
from diary.canonical import canonical, key_id, sha256_hex
from sync.keys import MemoryVault, public_bytes
from tests.diary import independent_verifier
from tests.sync.conftest import ForgettingVault
from tests.sync.diary_week import HOURS, WeekDiary, record_week
from tests.sync.screens import PaintedScreen, XvfbScreen
from tests.sync.tampering import Lines, read_json, read_lines, rewrite
from tests.xvfb import Xvfb


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeekDiary]:
    """The week on a painted screen, signed with keys in memory: verify needs no more."""
    diary = record_week(tmp_path_factory.mktemp("week"), PaintedScreen(), MemoryVault())
    yield diary
    diary.store.close()


@pytest.mark.x11
def test_a_week_on_the_real_screen_and_keyring_round_trips(
    tmp_path: Path,
    xserver: Xvfb,
    keyring_vault: ForgettingVault,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DISPLAY", xserver.display)
    real = record_week(tmp_path / "week", XvfbScreen(xserver), keyring_vault)
    try:
        assert main(["verify", str(real.everything), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert {(h["contract"], h["day"]): h["seconds"] for h in report["hours"]} == HOURS
        assert report["ok"] and report["screenshots"] == 5
        assert independent_verifier.verify(real.everything)["ok"]
    finally:
        keyring_vault.forget((real.data_dir,))
        real.store.close()


def test_a_week_verifies_with_the_right_hours(
    week: WeekDiary, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(week.everything), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["failures"] == []
    assert {(h["contract"], h["day"]): h["seconds"] for h in report["hours"]} == HOURS
    # 7 segments; the last ended before its screenshot was due; the deleted one's is left out.
    assert report["screenshots"] == 5
    assert main(["verify", str(week.everything)]) == 0
    text = capsys.readouterr().out
    assert "week 2026-W48 (2026-11-23 to 2026-11-29 UTC), all contracts" in text
    assert "Everything verifies: 10 records, 5 screenshots." in text
    assert "0:26:33" in text and "0:25:00" in text


def test_the_bundle_holds_exactly_the_signed_records(week: WeekDiary) -> None:
    lines = read_lines(week.everything)
    (device,) = week.ledger.devices()
    stored = week.ledger.chain(device)
    assert [line["hash"] for line in lines] == [r.hash for r in stored]
    for line, record in zip(lines, stored, strict=True):
        assert canonical(line["record"]) == record.record
        assert bytes.fromhex(line["signature"]) == record.signature
        if "details" in line:
            assert canonical(line["details"]) == record.details
    manifest = read_json(week.everything, "manifest.json")
    assert manifest["week"] == "2026-W48"
    assert manifest["period"] == {"start": "2026-11-23T00:00:00Z", "end": "2026-11-30T00:00:00Z"}
    assert manifest["devices"][0]["head"] == {"seq": stored[-1].seq, "hash": stored[-1].hash}
    with zipfile.ZipFile(week.everything) as archive:
        key_lines = [json.loads(line) for line in archive.read("keys.jsonl").splitlines()]
    (genesis,) = [line["record"] for line in key_lines]  # no rotation this week
    assert genesis["seq"] == 0 and genesis["type"] == "key"
    assert genesis["key"] == key_id(bytes.fromhex(genesis["public_key"])) == device


def test_a_contract_bundle_shows_other_contracts_only_as_signed_headers(
    week: WeekDiary, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = read_lines(week.contract_1)
    other = [line for line in lines if line["record"]["contract"] == "2"]
    assert other and all("details" not in line for line in other)
    assert "Import the customer list" not in week.contract_1.read_bytes().decode("latin-1")
    assert main(["verify", str(week.contract_1), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {(h["contract"], h["day"]): h["seconds"] for h in report["hours"]} == {
        ("1", "2026-11-25"): HOURS[("1", "2026-11-25")]
    }


def test_a_deleted_segments_screenshot_is_not_exported(week: WeekDiary) -> None:
    lines = read_lines(week.everything)
    deleted = next(
        line["record"]["segment"]
        for line in lines
        if line["record"].get("kind") == "delete-segment"
    )
    (segment,) = [
        line
        for line in lines
        if line["record"].get("segment") == deleted and line["record"]["type"] == "segment"
    ]
    hashes = {s["sha256"] for s in segment["details"]["screenshots"]}
    with zipfile.ZipFile(week.everything) as archive:
        names = set(archive.namelist())
    kept_elsewhere = {
        s["sha256"]
        for line in lines
        if line["record"]["type"] == "segment" and line["record"]["segment"] != deleted
        for s in line.get("details", {}).get("screenshots", [])
    }
    private = hashes - kept_elsewhere
    assert len(private) == 1
    assert f"screenshots/{private.pop()}.jpg" not in names
    assert len([n for n in names if n.startswith("screenshots/")]) == 2


def test_a_bundle_repacked_with_compression_still_verifies(week: WeekDiary, tmp_path: Path) -> None:
    """Screenshots are hashed in place when stored, as export writes them; otherwise read."""
    repacked = rewrite(week.everything, tmp_path / "deflated.zip", compression=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(repacked) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    verdict = verify_bundle(repacked)
    assert verdict.ok and verdict.screenshots == 5


# Tampering ------------------------------------------------------------------------------------


def _segments(lines: Lines) -> list[int]:
    return [i for i, line in enumerate(lines) if line["record"]["type"] == "segment"]


def _memo_changed(lines: Lines) -> Lines:
    lines[_segments(lines)[1]]["details"]["memo"] = "Something more impressive"
    return lines


def _minute_count_changed(lines: Lines) -> Lines:
    lines[_segments(lines)[1]]["details"]["minutes"][0]["keys"] += 40
    return lines


def _record_removed(lines: Lines) -> Lines:
    del lines[_segments(lines)[2]]
    return lines


def _records_reordered(lines: Lines) -> Lines:
    a, b = _segments(lines)[1:3]
    lines[a], lines[b] = lines[b], lines[a]
    return lines


def _record_duplicated(lines: Lines) -> Lines:
    index = _segments(lines)[1]
    lines.insert(index + 1, json.loads(json.dumps(lines[index])))
    return lines


def _moved_in_time(lines: Lines) -> Lines:
    record = lines[_segments(lines)[-1]]["record"]
    record["start"] = record["start"].replace("T11:", "T12:")
    record["end"] = record["end"].replace("T11:", "T12:")
    return lines


def _amendment_signature_broken(lines: Lines) -> Lines:
    amendment = next(line for line in lines if line["record"]["type"] == "amendment")
    signature = bytearray(bytes.fromhex(amendment["signature"]))
    signature[5] ^= 0x01
    amendment["signature"] = signature.hex()
    return lines


def _head_removed(lines: Lines) -> Lines:
    return lines[:-1]


TAMPERS: list[tuple[str, Callable[[Lines], Lines], str, str]] = [
    ("memo changed", _memo_changed, "details", "changed after signing"),
    ("minute count changed", _minute_count_changed, "details", "changed after signing"),
    ("record removed", _record_removed, "gap", "a record was removed"),
    ("records reordered", _records_reordered, "order", "out of order"),
    ("record duplicated", _record_duplicated, "duplicate", "appears twice"),
    ("segment moved in time", _moved_in_time, "signature", "changed after it was signed"),
    ("amendment signature", _amendment_signature_broken, "signature", "does not verify"),
    ("newest record cut off", _head_removed, "head", "records at the end are missing"),
]


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [pytest.param(change, code, words, id=name) for name, change, code, words in TAMPERS],
)
def test_tampered_records_are_caught(
    week: WeekDiary, tmp_path: Path, change: Callable[[Lines], Lines], code: str, words: str
) -> None:
    tampered = rewrite(week.everything, tmp_path / "tampered.zip", lines=change)
    verdict = verify_bundle(tampered)
    assert not verdict.ok
    assert code in {f.code for f in verdict.failures}, verdict.failures
    failure = next(f for f in verdict.failures if f.code == code)
    assert words in failure.reason
    assert failure.seq is not None and failure.line is not None


def test_a_swapped_screenshot_file_is_caught(week: WeekDiary, tmp_path: Path) -> None:
    with zipfile.ZipFile(week.everything) as archive:
        shots = sorted(n for n in archive.namelist() if n.startswith("screenshots/"))
        first, second = shots[0], shots[1]
        other = archive.read(second)
    tampered = rewrite(week.everything, tmp_path / "swapped.zip", files={first: other})
    verdict = verify_bundle(tampered)
    failure = next(f for f in verdict.failures if f.code == "screenshot")
    assert "was replaced" in failure.reason
    assert hashlib.sha256(other).hexdigest()[:12] in failure.reason


def test_a_record_forged_with_another_key_is_caught(week: WeekDiary, tmp_path: Path) -> None:
    """Someone with a key of their own signs an extra segment into the device's chain."""
    forger = Ed25519PrivateKey.generate()
    forger_id = key_id(public_bytes(forger.public_key()))

    def splice(lines: Lines) -> Lines:
        index = _segments(lines)[-1]
        fake = json.loads(json.dumps(lines[index]))
        record = fake["record"]
        record.update(key=forger_id, seq=record["seq"] + 1, prev=lines[index]["hash"])
        record["start"], record["end"] = "2026-11-25T11:30:00Z", "2026-11-25T11:40:00Z"
        data = canonical(record)
        fake.update(hash=sha256_hex(data), signature=forger.sign(data).hex())
        return [*lines[: index + 1], fake, *lines[index + 1 :]]

    def add_key(keys: Lines) -> Lines:
        """The forger's best try at making their key the device's: a rotation that introduces
        it, signed by them (the device's own key is out of their reach)."""
        rotation = json.loads(json.dumps(keys[0]))
        record = rotation["record"]
        record.update(key=forger_id, seq=1, prev=keys[0]["hash"])
        record["public_key"] = public_bytes(forger.public_key()).hex()
        data = canonical(record)
        rotation.update(hash=sha256_hex(data), signature=forger.sign(data).hex())
        return [*keys, rotation]

    tampered = rewrite(week.everything, tmp_path / "forged.zip", lines=splice, keys=add_key)
    verdict = verify_bundle(tampered)
    found = {(f.code, f.seq) for f in verdict.failures}
    lines = read_lines(week.everything)
    forged_seq = lines[_segments(lines)[-1]]["record"]["seq"] + 1  # the spliced segment's
    assert {("key", 1), ("key", forged_seq), ("unknown-key", forged_seq)} <= found
    failure = next(f for f in verdict.failures if f.code == "key" and f.seq == forged_seq)
    assert "another key spliced in" in failure.reason
    rotation = next(f for f in verdict.failures if f.seq == 1)
    assert forger_id[:12] in rotation.reason and "not by the key" in rotation.reason


def test_a_record_of_another_device_is_caught(week: WeekDiary, tmp_path: Path) -> None:
    other = record_week(tmp_path / "other", PaintedScreen(), MemoryVault())
    try:
        stranger = next(
            line for line in read_lines(other.everything) if line["record"]["type"] == "segment"
        )
    finally:
        other.store.close()
    tampered = rewrite(
        week.everything,
        tmp_path / "spliced.zip",
        lines=lambda lines: [*lines[:3], stranger, *lines[3:]],
    )
    verdict = verify_bundle(tampered)
    codes = {f.code for f in verdict.failures}
    assert {"device", "unknown-key"} <= codes
    assert any("which this bundle's manifest does not list" in f.reason for f in verdict.failures)


def test_cutting_off_the_start_of_the_week_is_caught(week: WeekDiary, tmp_path: Path) -> None:
    def cut(lines: Lines) -> Lines:
        return lines[2:]

    def first_seq(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest["devices"][0]["first_seq"] = 2
        return manifest

    tampered = rewrite(week.everything, tmp_path / "cut.zip", lines=cut, manifest=first_seq)
    verdict = verify_bundle(tampered)
    assert "edge" in {f.code for f in verdict.failures}


def test_not_a_bundle_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "diary.zip"
    junk.write_text("not a zip")
    assert main(["verify", str(junk)]) == 2
    assert "is not a Workdiary bundle" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "missing.zip")]) == 2
    assert main(["verify", str(tmp_path)]) == 2
    assert "is a folder: a bundle is a zip file" in capsys.readouterr().err
    # A program that asks for JSON gets JSON, refusals too.
    assert main(["verify", str(junk), "--json"]) == 2
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["ok"] is False and "is not a Workdiary bundle" in report["refused"]
    assert err == ""


def test_the_independent_verifier_agrees_on_a_real_week(week: WeekDiary) -> None:
    verdict = independent_verifier.verify(week.everything)
    assert verdict["ok"], verdict["failures"]
    assert verdict["hours"] == {f"{c} {d}": s for (c, d), s in HOURS.items()}
    assert independent_verifier.verify(week.contract_1)["ok"]


def test_an_unreadable_screenshot_file_is_a_failure_not_a_crash(
    week: WeekDiary, tmp_path: Path
) -> None:
    repacked = rewrite(week.everything, tmp_path / "deflated.zip", compression=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(repacked) as archive:
        info = next(i for i in archive.infolist() if i.filename.startswith("screenshots/"))
    data = bytearray(repacked.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle] ^= 0xFF
    repacked.write_bytes(bytes(data))
    verdict = verify_bundle(repacked)
    failure = next(f for f in verdict.failures if f.code == "screenshot")
    # The damaged data either cannot be inflated or inflates to other bytes than were signed
    # (verify checks the SHA-256, not the zip's weaker CRC).
    assert "cannot be read" in failure.reason or "was replaced" in failure.reason


def _export_to(week: WeekDiary, out: Path) -> None:
    from cli.bundles import parse_week
    from sync.export import export_bundle
    from tests.conftest import START
    from tests.sync.diary_week import WEEK

    monday = parse_week(WEEK)
    export_bundle(week.store, week.ledger, week.data_dir, monday, None, out, START, "tests")


def test_export_never_writes_through_a_link_at_its_temporary_name(
    week: WeekDiary, tmp_path: Path
) -> None:
    """In a shared folder another user could plant a link where the bundle is first written."""
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    out = tmp_path / "out.zip"
    (tmp_path / ".out.zip.partial").symlink_to(victim)
    _export_to(week, out)
    assert victim.read_text() == "mine"
    assert out.is_file() and not out.is_symlink()
    assert (out.stat().st_mode & 0o777) == 0o600
    assert verify_bundle(out).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".out.zip.partial",
        "out.zip",
        "victim.txt",
    ]


def test_export_replaces_only_a_file(week: WeekDiary, tmp_path: Path) -> None:
    from tracker.errors import InvalidInput

    with pytest.raises(InvalidInput, match="is a folder: name the bundle's file"):
        _export_to(week, tmp_path)
    with pytest.raises(InvalidInput, match="not a regular file"):
        _export_to(week, Path("/dev/null"))
