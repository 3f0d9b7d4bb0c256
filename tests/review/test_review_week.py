"""The review of a week fetched from the real reference server (a subprocess on 127.0.0.1): a
freelancer's honest work, a mouse jiggler, a typing macro, offline work uploaded that evening
and a segment uploaded two days late; then the same week after the server's copy was altered."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from diary.observations import FlagKind
from diary.protection import Unprotected
from diary.rules import amount_cents
from review.week import Review, review_bundle
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.server import Server, running
from tests.tracker.helpers import at

WEEK = "2026-W48"
RATE = 4500


def _honest(seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    return lambda minute: (
        rng.choice([0, 12, 45, 90]),
        rng.randint(0, 6),
        rng.randint(0, 3),
        rng.randint(0, 250),
    )


def _jiggler(minute: int) -> tuple[int, int, int, int]:
    return (0, 0, 0, 3 + (minute * 7) % 29)


def _macro(minute: int) -> tuple[int, int, int, int]:
    return (120, 2, 0, 0)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("review") / "data", START) as found:
        yield found


def _upload_new(parties: Parties, sent: int, server_time: object) -> int:
    parties.server.set_time(server_time)  # type: ignore[arg-type]
    lines = parties.device.entries()
    parties.upload(lines[sent:])
    return len(lines)


@pytest.fixture(scope="module")
def seeded(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parties]:
    parties = make_parties(server, tmp_path_factory.mktemp("parties"))
    device, local = parties.device, parties.local
    device.track(local, "Checkout page", at(10, 10), at(10, 40), pattern=_honest(1))
    sent = _upload_new(parties, 0, at(10, 45))
    device.track(local, "Invoices", at(11, 0), at(12, 10), pattern=_jiggler)
    device.track(local, "Reports", at(13, 0), at(13, 40), pattern=_macro)
    sent = _upload_new(parties, sent, at(13, 45))
    device.track(local, "Offline notes", at(14, 0), at(14, 30), pattern=_honest(2))
    device.track(local, "Quiet", at(16, 0), at(16, 10), pattern=lambda _: (0, 0, 0, 0))
    sent = _upload_new(parties, sent, at(17, 30))  # offline for three hours: honest
    device.track(local, "Late", at(18, 0), at(18, 20), pattern=_honest(3))
    _upload_new(parties, sent, at(18, 30, day=27))  # two days late
    parties.upload_screenshots()
    yield parties
    device.close()


def _review(parties: Parties, path: Path) -> Review:
    answer = parties.client.call("GET", f"/v1/contracts/{parties.contract_id}/weeks/{WEEK}/bundle")
    assert answer.status_code == 200, answer.text
    path.write_bytes(answer.content)
    return review_bundle(path, RATE)


def _by_memo(review: Review) -> dict[str, list[set[FlagKind]]]:
    found: dict[str, list[set[FlagKind]]] = {}
    for segment in review.segments:
        found.setdefault(segment.memo, []).append({f.kind for f in segment.flags})
    return found


def test_a_valid_week_with_its_flags_protection_and_totals(seeded: Parties, tmp_path: Path) -> None:
    review = _review(seeded, tmp_path / "week.zip")
    assert review.ok and all(s.verified for s in review.segments)
    flags = _by_memo(review)
    assert all(found == set() for found in flags["Checkout page"])
    assert all(found == set() for found in flags["Offline notes"])  # three hours late: honest
    assert all(FlagKind.MOVES_ONLY in found for found in flags["Invoices"])
    assert all(found == {FlagKind.REPEATED_COUNTS} for found in flags["Reports"])
    assert all(found == {FlagKind.LATE} for found in flags["Late"])
    late = next(s for s in review.segments if s.memo == "Late")
    assert late.lag_seconds is not None and late.lag_seconds > 2 * 86400
    # Flags change nothing in protection: every segment meets the rule but the quiet one.
    quiet = next(s for s in review.segments if s.memo == "Quiet")
    assert quiet.unprotected == (Unprotected.NO_ACTIVE_MINUTE,) and not quiet.flags
    assert all(s.protected for s in review.segments if s is not quiet)
    week = seeded.device.week_seconds(seeded.local, START)
    totals = review.totals
    assert totals.verified_billable == totals.tracked == week
    assert totals.protected == week - quiet.billable_seconds == week - 600
    assert totals.amount_cents == amount_cents(week, RATE)
    assert totals.protected_cents == amount_cents(week - 600, RATE)
    server_week = seeded.client.ok("GET", f"/v1/contracts/{seeded.contract_id}/weeks/{WEEK}")
    assert server_week["billable_seconds"] == week
    # The marketplace applies the same rule to what it holds, and reaches the same verdicts.
    assert {s["segment"]: s["unprotected"] for s in server_week["segments"]} == {
        s.id: [r.value for r in s.unprotected] for s in review.segments
    }
    assert server_week["protected_seconds"] == totals.protected


def _set_details(server: Server, device: str, seq: int, details: bytes | None) -> bytes:
    """The details the server holds of a record (and, given ``details``, changes them there
    behind the server's back): what was held before."""
    ((held,),) = server.sql("SELECT details FROM records WHERE device = ? AND seq = ?", device, seq)
    if details is not None:
        assert details != bytes(held)
        server.sql(
            "UPDATE records SET details = ? WHERE device = ? AND seq = ?", details, device, seq
        )
    return bytes(held)


def test_a_record_altered_on_the_server_is_shown_failed_with_the_reason(
    seeded: Parties, server: Server, tmp_path: Path
) -> None:
    target = next(
        s for s in _review(seeded, tmp_path / "before.zip").segments if s.memo == "Reports"
    )
    details = _set_details(server, target.device, target.seq, None)
    _set_details(
        server,
        target.device,
        target.seq,
        details.replace(b'"memo":"Reports"', b'"memo":"Reports, reviewed"'),
    )
    try:
        review = _review(seeded, tmp_path / "altered.zip")
    finally:  # the other tests read the week as it was uploaded
        _set_details(server, target.device, target.seq, details)
    assert not review.ok
    altered = review.segment(target.id)
    assert not altered.verified and Unprotected.NOT_VERIFIED in altered.unprotected
    assert any(r.startswith("details:") for r in altered.failures), altered.failures
    assert review.totals.verified_billable < seeded.device.week_seconds(seeded.local, START)


def test_a_screenshot_altered_on_the_server_is_shown_failed_with_the_reason(
    seeded: Parties, server: Server, tmp_path: Path
) -> None:
    shot = next(
        s for s in _review(seeded, tmp_path / "b.zip").segments if s.memo == "Checkout page"
    )
    sha256 = shot.screenshots[0].sha256
    assert sha256 is not None
    original = server.screenshot(sha256)
    server.replace_screenshot(sha256, original[:-1] + bytes([original[-1] ^ 1]))
    try:
        review = _review(seeded, tmp_path / "altered.zip")
    finally:  # the other tests read the week as it was uploaded
        server.replace_screenshot(sha256, original)
    assert not review.ok
    swapped = review.segment(shot.id)
    assert not swapped.verified and any("screenshot" in r for r in swapped.failures), (
        swapped.failures
    )
    assert review.totals.verified_billable < seeded.device.week_seconds(seeded.local, START)


def test_the_review_command_says_the_same(
    seeded: Parties, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "week.zip"
    review = _review(seeded, path)
    assert main(["review", "--bundle", str(path), "--rate", "45.00", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["ok"] and found["totals"]["amount_cents"] == review.totals.amount_cents
    late = next(s for s in found["segments"] if s["memo"] == "Late")
    assert [f["kind"] for f in late["flags"]] == ["received-late"] and late["protected"]
    assert main(["review", "--bundle", str(path), "--rate", "45.00"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"The week verifies: {len(review.segments)} segment(s).")
    assert "flag moves-only: The pointer moved in each of" in text
    assert "Verified billable: " in text and f"= {found['totals']['amount_cents'] // 100}." in text
