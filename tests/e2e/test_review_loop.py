"""The review loop end to end on one computer, on the command line: a freelancer tracks a few
short segments headless with real input (xdotool on Xvfb) and syncs them to the marketplace on
this computer; the week locks; the client, on a side of the freelancer's data dir, reviews it
and disputes four segments (approval is then refused: the rest is released on the release day);
the mediator, on a side of its own, pays two of them and refunds two; the freelancer's diary
shows the dispute, its reason and each decision. At every step the week's money and the
accounts' balances are the hours at the contract's rate in whole cents, computed here from the
device's own segments with the protocol's rounding.

The marketplace's time is a file this test writes (serve --clock-file), moved from now to the
week's lock and to its release day; the devices keep the real time. The test plays the
freelancer's app, which keeps the local marketplace running: every command finds it."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from composition import own_command
from diary.bundle_writer import week_label
from diary.rules import amount_cents
from diary.times import lock_at, timestamp, week_start
from marketplace.billing import release_at
from sync.local_marketplace import LocalMarketplace, side_data_dir
from tests.e2e.desktop_app import DesktopApp, grab, second_launch
from tests.e2e.program import Tracker, cli
from tests.e2e.test_local_marketplace import _badges
from tests.sync.conftest import ForgettingVault, require_keyring
from tests.waiting import wait_until
from tests.xvfb import Xvfb

pytestmark = [pytest.mark.e2e, pytest.mark.x11]

#: The demo contract's rate (marketplace/demo.py), in cents an hour.
RATE = 4500
REASON = "Not work for this contract"
#: The review's signs' colours (ui/review_source.py): verified, and not protected.
VERIFIED = (0x1B, 0x6E, 0x3A)
NOT_PROTECTED = (0x6B, 0x6B, 0x6B)
#: The segments tracked, in order: their memo, and whether they get input (the others have no
#: active minute, so they are not protected and a dispute holds their money).
SEGMENTS = (
    ("Checkout page", True),
    ("Reading the brief", False),
    ("Address form", True),
    ("Waiting for a build", False),
    ("Payment step", True),
)
#: What the mediator decides for each of the first four (the fifth is not disputed).
DECISIONS = ("pay", "refund", "refund", "pay")


@pytest.fixture
def x(own_xserver: Xvfb) -> Xvfb:
    return own_xserver


@dataclass
class Money:
    """A week's money as the marketplace shows it, in cents."""

    state: str
    amount: int
    escrow: int
    held: int
    released: int
    refunded: int

    @classmethod
    def of(cls, week: dict[str, Any]) -> Money:
        return cls(
            week["state"],
            week["amount_cents"],
            week["escrow_cents"],
            week["held_cents"],
            week["released_cents"],
            week["refunded_cents"],
        )


@dataclass
class ReviewLoop:
    """The freelancer's data dir and its two sides, the marketplace's clock, and what each
    step found."""

    x: Xvfb
    freelancer: Path
    clock_file: Path
    local: LocalMarketplace
    url: str
    client: Path = field(init=False)
    mediator: Path = field(init=False)
    contract: str = ""  # the marketplace's id (m-...)
    start: datetime = field(init=False)  # of the billing week
    week: str = ""
    day: str = ""  # the UTC day the freelancer tracked, YYYY-MM-DD
    #: The device's own segments, in order: id -> billable seconds.
    seconds: dict[str, int] = field(default_factory=dict)
    dispute: str = ""
    #: The week's money as the last step left it.
    expected: Money = field(init=False)

    def __post_init__(self) -> None:
        self.client = side_data_dir(self.freelancer, "client")
        self.mediator = self.freelancer / "sides" / "mediator"  # made by --side below

    @property
    def amount(self) -> int:
        """The week's amount: all its billable seconds at the rate, rounded once."""
        return amount_cents(sum(self.seconds.values()), RATE)

    @property
    def quiet(self) -> list[str]:
        """The segments tracked without input."""
        return [i for i, (_, has) in zip(self.seconds, SEGMENTS, strict=True) if not has]

    @property
    def disputed(self) -> list[str]:
        return list(self.seconds)[: len(DECISIONS)]

    # The marketplace's clock and what it says -------------------------------------------------

    def set_time(self, when: datetime) -> None:
        self.clock_file.write_text(timestamp(when) + "\n", encoding="utf-8")

    def money(self) -> Money:
        """The week as the client's review shows it (the marketplace's week JSON)."""
        return Money.of(self.review(self.client)["week"])

    def review(self, side: Path) -> dict[str, Any]:
        found = cli(side, "review", "--contract", self.contract, "--week", self.week, "--json")
        assert found.returncode == 0, found.stdout + found.stderr
        review: dict[str, Any] = json.loads(found.stdout)
        return review

    def balances(self) -> dict[str, dict[str, int]]:
        """Each demo party's balance on the marketplace (/v1/me): released, escrow and
        refunded cents."""
        found = {}
        for role in ("freelancer", "client"):
            email, password = self.local.demo_login(role)
            http = requests.Session()
            token = http.post(
                f"{self.url}/v1/sessions", json={"email": email, "password": password}, timeout=30
            ).json()["token"]
            me = http.get(
                f"{self.url}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
            ).json()
            found[role] = {k: me[k] for k in ("released_cents", "escrow_cents", "refunded_cents")}
        return found

    def expect(self, money: Money) -> None:
        """The week shows ``money``, and the parties' balances move with it: the client's
        escrow is the amount once the week locked, its refunds come back, the freelancer has
        what was released."""
        assert self.money() == money
        locked = 0 if money.state == "open" else money.amount  # what left the client
        assert money.escrow + money.released + money.refunded == locked  # every cent one way
        assert self.balances() == {
            "freelancer": {
                "released_cents": money.released,
                "escrow_cents": 0,
                "refunded_cents": 0,
            },
            "client": {
                "released_cents": 0,
                "escrow_cents": -locked,
                "refunded_cents": money.refunded,
            },
        }
        self.expected = money

    # The steps -------------------------------------------------------------------------------

    def freelancer_signs_in(self) -> int:
        """`login --local` on the freelancer's data dir; the device's number of the demo
        contract."""
        found = cli(self.freelancer, "login", "--local", "--json")
        assert found.returncode == 0, found.stderr
        signed = json.loads(found.stdout)
        assert signed["role"] == "freelancer" and signed["local"] is True
        self.contract = signed["demo_contract"]
        (demo,) = signed["contracts"]
        return int(demo["id"])

    def freelancer_tracks(self, contract: int) -> list[str]:
        """What `track` printed, run after run."""
        return [
            line
            for memo, with_input in SEGMENTS
            for line in _track_one(self.x, self.freelancer, contract, memo, with_input)
        ]

    def freelancer_syncs(self) -> None:
        self.set_time(datetime.now(UTC))  # the marketplace receives the records now
        found = cli(self.freelancer, "sync", "--json")
        assert found.returncode == 0, found.stdout + found.stderr
        assert json.loads(found.stdout)["refused_code"] is None

    def freelancer_diary(self) -> list[dict[str, Any]]:
        """The freelancer's diary of the day it tracked (UTC), with each segment's sync mark."""
        found = cli(self.freelancer, "diary", "--date", self.day, "--json")
        assert found.returncode == 0, found.stderr
        segments: list[dict[str, Any]] = json.loads(found.stdout)
        return segments

    def client_signs_in(self) -> None:
        """As the app will: a side data dir made with side_data_dir, then login --as client."""
        found = cli(self.client, "login", "--local", "--as", "client", "--json")
        assert found.returncode == 0, found.stderr
        signed = json.loads(found.stdout)
        assert (signed["role"], signed["demo_contract"]) == ("client", self.contract)

    def mediator_signs_in(self) -> None:
        """As a user types it: --side mediator on the freelancer's data dir."""
        found = cli(self.freelancer, "--side", "mediator", "login", "--local")
        assert found.returncode == 0, found.stderr
        assert "as mediator@demo.workdiary, the demo mediator" in found.stdout

    def client_disputes(self, segments: list[str]) -> str:
        found = cli(
            self.client, "dispute", "--contract", self.contract, "--week", self.week,
            *(a for s in segments for a in ("--segment", s[:12])), "--reason", REASON, "--yes",
        )  # fmt: skip
        assert found.returncode == 0, found.stdout + found.stderr
        self.dispute = found.stdout.split("Disputed: dispute ", 1)[1].split(".", 1)[0]
        return found.stdout

    def mediator_decides(self, segment: str, decision: str) -> str:
        found = cli(
            self.mediator, "mediate", "--dispute", self.dispute, "--segment", segment[:12],
            f"--{decision}", "--reason", f"Decided: {decision}",
        )  # fmt: skip
        assert found.returncode == 0, found.stdout + found.stderr
        return found.stdout


def _track_one(x: Xvfb, data_dir: Path, contract: int, memo: str, with_input: bool) -> list[str]:
    """One short run of `track`: a segment with a screenshot, with input or without."""
    _outside_a_slots_end()
    tracker = Tracker(data_dir, x.env(), "--contract", str(contract), "--memo", memo)
    tracker.wait_for("Counting input now.")
    if with_input:
        _some_input(x, 0)
    tracker.wait_for("Screenshot taken")
    if with_input:
        # Again: pynput says its listener is ready a moment before it asks the X server for
        # the events (pynput/_util/xorg.py, _mark_ready before record_enable_context), so on
        # a loaded machine the first input can come too early to be seen.
        _some_input(x, 100)
    tracker.process.send_signal(signal.SIGINT)
    assert tracker.finish() == 0, tracker.output
    return tracker.output


def _some_input(x: Xvfb, offset: int) -> None:
    x.xdotool("type", "--delay", "8", "workdiary")
    x.xdotool("click", "--repeat", "3", "--delay", "8", "1")
    x.xdotool(
        *" ".join(f"mousemove {300 + offset + 5 * i} {300 + 3 * i}" for i in range(8)).split()
    )


def _outside_a_slots_end(margin: float = 20.0) -> None:
    """A short run must not cross a 10-minute slot's end, where its segment would split in two."""
    now = datetime.now(UTC)
    into_slot = (now.minute % 10) * 60 + now.second + now.microsecond / 1e6
    if 600 - into_slot < margin:
        time.sleep(600 - into_slot + 0.5)


def _outside_a_days_end(margin: timedelta = timedelta(minutes=3)) -> None:
    """All the segments in one UTC day, and so in one billing week."""
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    if midnight - now < margin:
        time.sleep((midnight - now).total_seconds() + 1)


def test_the_client_disputes_the_mediator_decides_and_every_cent_adds_up(
    x: Xvfb, data_dir: Path, tmp_path: Path
) -> None:
    require_keyring()  # the device signs with its key there; the tokens are kept there
    _outside_a_days_end()
    clock_file = tmp_path / "marketplace-clock"
    clock_file.write_text(timestamp(datetime.now(UTC)) + "\n", encoding="utf-8")
    # The freelancer's app keeps the marketplace on this computer running: every command of
    # every side finds it.
    local = LocalMarketplace(data_dir, own_command(), ["--clock-file", str(clock_file)])
    server = local.start()
    loop = ReviewLoop(x, data_dir, clock_file, local, server.url)
    try:
        freelancer_tracks_and_syncs(loop)
        the_week_locks(loop)
        client_reviews_in_the_app(loop)
        client_disputes(loop)
        mediator_decides(loop)
        freelancer_sees_the_decisions(loop)
        release_day(loop)
    finally:
        server.stop()
        ForgettingVault().forget((data_dir,))


def freelancer_tracks_and_syncs(loop: ReviewLoop) -> None:
    number = loop.freelancer_signs_in()
    loop.day = f"{datetime.now(UTC):%Y-%m-%d}"
    output = loop.freelancer_tracks(number)
    loop.freelancer_syncs()
    diary = loop.freelancer_diary()
    assert [s["memo"] for s in diary] == [memo for memo, _ in SEGMENTS], output
    assert [s["active_minutes"] > 0 for s in diary] == [has for _, has in SEGMENTS], (
        output,
        [(s["start"], s["end"], s["minutes"]) for s in diary],
    )
    assert all(s["sync"]["state"] == "receipted" for s in diary), diary
    loop.seconds = {s["id"]: s["billable_seconds"] for s in diary}
    loop.start = week_start(datetime.fromisoformat(diary[0]["start"]))
    loop.week = week_label(loop.start)
    # The client's side signs in to the same marketplace and sees the week open.
    loop.client_signs_in()
    loop.expect(Money("open", loop.amount, 0, 0, 0, 0))


def the_week_locks(loop: ReviewLoop) -> None:
    """Monday 12:00 UTC: the week is in review, its amount in escrow."""
    loop.set_time(lock_at(loop.start) + timedelta(minutes=1))
    review = loop.review(loop.client)
    assert review["ok"] is True and review["failures"] == 0
    shown = {s["id"]: s for s in review["segments"]}
    assert {i: s["billable_seconds"] for i, s in shown.items()} == loop.seconds
    assert {i: s["unprotected"] for i, s in shown.items()} == {
        i: ["no-active-minute"] if i in loop.quiet else [] for i in loop.seconds
    }
    assert review["totals"]["amount_cents"] == loop.amount
    assert Money.of(review["week"]) == Money("in-review", loop.amount, loop.amount, 0, 0, 0)
    loop.expect(Money("in-review", loop.amount, loop.amount, 0, 0, 0))


def client_disputes(loop: ReviewLoop) -> None:
    """Four segments: the two without input are held, the protected two stay payable. Then
    the client approves the rest: it is released on the release day, and nothing more of the
    week can be disputed."""
    held = amount_cents(sum(loop.seconds[i] for i in loop.quiet), RATE)
    out = loop.client_disputes(loop.disputed)
    assert f"{_money(held)} would be held" in out and "2 of them are protected" in out
    loop.expect(Money("disputed", loop.amount, loop.amount, held, 0, 0))
    approve = cli(loop.client, "approve", "--contract", loop.contract, "--week", loop.week)
    assert approve.returncode == 0, approve.stdout + approve.stderr
    assert (
        f"Approved the rest of week {loop.week}: {_money(loop.amount - held)} is released"
        in approve.stdout
    )
    assert f"{_money(held)} stays held until a mediator decides" in approve.stdout
    (undisputed,) = set(loop.seconds) - set(loop.disputed)
    more = cli(
        loop.client, "dispute", "--contract", loop.contract, "--week", loop.week,
        "--segment", undisputed[:12], "--reason", REASON, "--yes",
    )  # fmt: skip
    assert more.returncode != 0 and "approved the rest of this week" in more.stderr
    loop.expect(Money("disputed", loop.amount, loop.amount, held, 0, 0))


def client_reviews_in_the_app(loop: ReviewLoop) -> None:
    """The client's side opens the app, which opens into the review window: the contract and
    its week are listed, the keyboard chooses the week, and its cells show the review's signs
    (a verified sign on each segment; the two without input not protected)."""
    with loop.x.window_manager(), DesktopApp(loop.x, loop.client) as app:
        app.focus("review")
        window = app.windows("review")[0]

        def week_chosen() -> bool:
            # The list fills once the weeks command answers: then Home and Down choose the
            # contract's first week, the current one, and its row is highlighted.
            loop.x.xdotool("key", "Home", "Down")
            time.sleep(1)
            return _highlighted(*grab(loop.x, window)) > 2000

        def reviewed() -> bool:
            shown = grab(loop.x, window)
            return (
                _badges(*shown, VERIFIED) >= 3  # two cells at least, and the legend's
                and _badges(*shown, NOT_PROTECTED) >= 2  # a quiet cell, and the legend's
            )

        wait_until(week_chosen, timeout=90, what="the week in the app's list")
        loop.x.xdotool("key", "Return")
        try:
            wait_until(reviewed, timeout=90, what="the week's review in the app")
        except AssertionError:
            # What the window showed, and what the app said, to see why.
            shown = grab(loop.x, window)
            _save_png(shown, loop.freelancer.parent / "review-window.png")
            app.process.kill()
            output = app.process.communicate()[0]
            log = loop.client / "workdiary.log"
            logged = log.read_text(encoding="utf-8")[-2000:] if log.exists() else "(no log)"
            raise AssertionError(
                f"the review did not show (the window: "
                f"{loop.freelancer.parent / 'review-window.png'}: "
                f"{_badges(*shown, VERIFIED)} verified signs, "
                f"{_badges(*shown, NOT_PROTECTED)} not protected, "
                f"{_highlighted(*shown)} pixels highlighted); the app said: {output}; "
                f"its log: {logged}"
            ) from None
        folder = os.environ.get("WORKDIARY_SCREENSHOTS")
        if folder:
            _save_png(grab(loop.x, window), Path(folder) / "review-window.png")
        # One app a data dir in client mode too: a second launch brings the window up, and
        # --quit quits it.
        again = second_launch(loop.x, loop.client)
        assert again.returncode == 0 and "its window is in front now" in again.stdout, again
        assert second_launch(loop.x, loop.client, "--quit").returncode == 0
        assert app.wait_exit() == 0, app.output
    assert loop.local.running() == loop.url  # the app left the freelancer's marketplace running


def mediator_decides(loop: ReviewLoop) -> None:
    """On a side of its own, the mediator reads the disputed week and decides each segment."""
    loop.mediator_signs_in()
    seen = {s["segment"]: s["dispute"] for s in loop.review(loop.mediator)["week"]["segments"]}
    assert seen == {i: loop.dispute if i in loop.disputed else None for i in loop.seconds}
    money = loop.expected
    decided = 0  # seconds of the held segments decided so far
    for segment, decision in zip(loop.disputed, DECISIONS, strict=True):
        out = loop.mediator_decides(segment, decision)
        seconds = loop.seconds[segment]
        if segment in loop.quiet:  # held: each decision moves the difference of the amounts
            last = decided + seconds == sum(loop.seconds[i] for i in loop.quiet)
            cents = money.held if last else _amount(decided + seconds) - _amount(decided)
            decided += seconds
            money = replace(money, held=money.held - cents)
        else:  # protected: payable all along, or refunded before the release day
            cents = _amount(seconds) if decision == "refund" else 0
        if decision == "refund":
            money = replace(money, escrow=money.escrow - cents, refunded=money.refunded + cents)
        where = "to the freelancer" if decision == "pay" else "back to the client"
        assert (f"{_money(cents)} {where}" if cents else "nothing moves") in out, out
        loop.expect(money)
    assert money.held == 0 and "Every segment of this dispute is decided." in out
    # The client sees each decision in the week's review, as the freelancer does in the diary.
    (dispute,) = loop.review(loop.client)["disputes"]
    assert dispute["id"] == loop.dispute and dispute["reason"] == REASON
    assert {s["segment"]: s["decision"]["decision"] for s in dispute["segments"]} == dict(
        zip(loop.disputed, DECISIONS, strict=True)
    )


def freelancer_sees_the_decisions(loop: ReviewLoop) -> None:
    """The freelancer's next sync brings the dispute and the decisions into the diary."""
    loop.freelancer_syncs()
    marks = {s["id"]: s["sync"] for s in loop.freelancer_diary()}
    for segment, decision in zip(loop.disputed, DECISIONS, strict=True):
        assert marks[segment]["state"] == "disputed"
        assert f"Disputed by the client: {REASON}" in marks[segment]["why"]
        assert loop.dispute in marks[segment]["why"]
        assert f"A mediator decided: {decision} (Decided: {decision})." in marks[segment]["why"]
    (undisputed,) = set(loop.seconds) - set(loop.disputed)
    assert marks[undisputed]["state"] == "receipted"


def release_day(loop: ReviewLoop) -> None:
    """The freelancer is paid the amount less what was refunded; every cent went one way."""
    loop.set_time(release_at(loop.start))
    refunded = loop.expected.refunded
    loop.expect(Money("released", loop.amount, 0, 0, loop.amount - refunded, refunded))


#: The chosen row's colour in the weeks list (Qt's Fusion highlight), give or take a little.
HIGHLIGHT = (0x30, 0x8C, 0xC6)


def _highlighted(width: int, height: int, pixels: bytes) -> int:
    """How many pixels of the window's left third have the highlight's colour."""
    found = 0
    for y in range(height):
        row = pixels[y * width * 3 : (y * width + width // 3) * 3]
        for i in range(0, len(row), 3):
            if all(abs(row[i + c] - HIGHLIGHT[c]) <= 6 for c in range(3)):
                found += 1
    return found


def _save_png(shown: tuple[int, int, bytes], path: Path) -> None:
    import mss.tools

    width, height, pixels = shown
    mss.tools.to_png(pixels, (width, height), output=str(path))


def _amount(seconds: int) -> int:
    return amount_cents(seconds, RATE)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
