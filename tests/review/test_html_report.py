"""The HTML report of a reviewed week (`review --html`), from a bundle the real reference server
(a subprocess on 127.0.0.1) made of a week the real engine recorded: read back with
html.parser, it holds every segment in its cell, the bundle's own screenshot bytes, review
--json's totals, a tampered copy's failures, and a hostile memo as text."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from review.html_report import week_html
from review.week import review_bundle
from tests.conftest import START
from tests.marketplace.conftest import Parties, make_parties
from tests.marketplace.server import ROOT, Server, running
from tests.sync.conftest import require_keyring
from tests.sync.tampering import Lines, rewrite
from tests.tracker.helpers import at
from tracker.clock import FakeClock

WEEK = "2026-W48"
HOSTILE = '<script>alert(1)</script> & "quotes" <img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("report") / "data", START, demo=True) as found:
        yield found


@pytest.fixture(scope="module")
def seeded(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parties]:
    """Two UTC days: work with screenshots of three colours, a hostile memo, a quiet segment
    (not protected), and a segment uploaded two days late (flagged)."""
    parties = make_parties(server, tmp_path_factory.mktemp("parties"))
    device, local = parties.device, parties.local
    device.track(local, "Checkout page", at(10, 10), at(10, 30), colour=(200, 40, 40))
    device.track(local, HOSTILE, at(11, 0), at(11, 10), colour=(40, 200, 40))
    device.track(local, "Quiet", at(13, 0), at(13, 10), pattern=lambda _: (0, 0, 0, 0))
    server.set_time(at(13, 20))
    parties.upload(device.entries())
    sent = len(device.entries())
    device.track(local, "Late", at(9, 0, day=26), at(9, 20, day=26), colour=(40, 40, 200))
    server.set_time(at(12, 0, day=28))
    parties.upload(device.entries()[sent:])
    parties.upload_screenshots()
    server.set_time(at(12, 0, day=30))
    yield parties
    device.close()


@pytest.fixture(scope="module")
def bundle(seeded: Parties, tmp_path_factory: pytest.TempPathFactory) -> Path:
    answer = seeded.client.call("GET", f"/v1/contracts/{seeded.contract_id}/weeks/{WEEK}/bundle")
    assert answer.status_code == 200, answer.text
    path = tmp_path_factory.mktemp("bundle") / "week.zip"
    path.write_bytes(answer.content)
    return path


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, match: Callable[[Node], bool]) -> list[Node]:
        found = [self] if match(self) else []
        for child in self.children:
            if isinstance(child, Node):
                found += child.all(match)
        return found

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Tree(HTMLParser):
    """The page as nodes; an end tag that closes anything but the open element fails."""

    VOID = frozenset({"meta", "img", "br", "link", "input", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.open[-1].children.append(node)
        if tag not in self.VOID:
            self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(page: str) -> Node:
    tree = _Tree()
    tree.feed(page)
    tree.close()
    assert [n.tag for n in tree.open] == ["#document"], "elements left open"
    return tree.root


def by_class(node: Node, name: str) -> list[Node]:
    return node.all(lambda n: name in n.classes())


def by_id(node: Node, ident: str) -> Node:
    (found,) = node.all(lambda n: n.attrs.get("id") == ident)
    return found


def review(bundle: Path, out: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """`review --bundle` as a person runs it, in a process of its own."""
    command = [sys.executable, str(ROOT / "main.py"), "review", "--bundle", str(bundle)]
    return subprocess.run(
        [*command, *more, "--html", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "WORKDIARY_DATA_DIR": str(out.parent / "unused-data-dir")},
    )


def _clock(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _report(bundle: Path, out: Path) -> tuple[int, dict[str, Any], str, Node]:
    """review --json --html: the exit code, the JSON, the raw page and the page parsed."""
    done = review(bundle, out, "--rate", "45.00", "--json")
    assert done.returncode in (0, 1), done.stderr
    assert f"Saved the report to {out}" in done.stderr  # standard output holds only the JSON
    page = out.read_text(encoding="utf-8")
    return done.returncode, json.loads(done.stdout), page, parse(page)


def test_every_segment_sits_in_its_cell_with_its_verdict_and_memo(
    bundle: Path, tmp_path: Path
) -> None:
    code, found, _, root = _report(bundle, tmp_path / "week.html")
    assert code == 0 and found["ok"]
    segments = {s["id"]: s for s in found["segments"]}
    assert len(segments) == 6  # two slots of checkout, two late ones
    cells = by_class(root, "segment")
    assert sorted(c.attrs["data-segment"] for c in cells) == sorted(segments)
    for table in by_class(root, "grid"):
        for row in table.all(lambda n: n.tag == "tr")[1:]:
            hour, *slots = [c for c in row.children if isinstance(c, Node)]
            for column, slot in enumerate(slots):
                for cell in by_class(slot, "segment"):
                    start = segments[cell.attrs["data-segment"]]["start"]
                    assert (start[11:13], int(start[14:16]) // 10) == (hour.text()[:2], column)
    days = [h.text() for h in root.all(lambda n: n.tag == "h2")]
    assert [d.split(" (UTC)")[0] for d in days] == ["Wednesday 2026-11-25", "Thursday 2026-11-26"]
    for cell in cells:
        segment = segments[cell.attrs["data-segment"]]
        (memo,) = by_class(cell, "memo")
        assert memo.text() == segment["memo"]
        assert by_class(cell, "verified") and not by_class(cell, "failed")
        (protection,) = by_class(cell, "protection")
        assert protection.text() == segment["protection"]
        bars = by_class(cell, "bars")[0].all(lambda n: n.tag == "i")
        assert len(bars) == 10
        assert sum("active" in b.classes() for b in bars) == segment["active_minutes"]
        (received,) = by_class(cell, "received")
        assert received.text().startswith(f"Received {segment['received_at'][:10]}")
    quiet = next(c for c in cells if segments[c.attrs["data-segment"]]["memo"] == "Quiet")
    assert "no minute of it had keyboard or mouse input" in quiet.text()
    late = next(c for c in cells if segments[c.attrs["data-segment"]]["memo"] == "Late")
    (flag,) = by_class(late, "flags")[0].all(lambda n: n.tag == "li")
    assert flag.text().startswith("received-late: ") and "(Flagged at: " in flag.text()
    assert "2 d " in by_class(late, "received")[0].text()


def test_the_totals_and_amounts_are_review_json_s(bundle: Path, tmp_path: Path) -> None:
    _, found, _, root = _report(bundle, tmp_path / "week.html")
    totals = found["totals"]
    assert totals["amount_cents"] > totals["protected_cents"] > 0
    for key, name in (
        ("tracked", "tracked_seconds"),
        ("manual", "manual_seconds"),
        ("deleted", "deleted_seconds"),
        ("idle-discarded", "idle_discarded_seconds"),
        ("over-limit", "over_limit_seconds"),
        ("verified-billable", "verified_billable_seconds"),
        ("protected", "protected_seconds"),
    ):
        row = by_id(root, f"total-{key}")
        assert by_class(row, "time")[0].text() == _clock(totals[name]), key
    amounts = {
        key: by_class(by_id(root, f"total-{key}"), "amount")[0].text()
        for key in ("verified-billable", "protected")
    }
    assert amounts == {
        "verified-billable": _money(totals["amount_cents"]),
        "protected": _money(totals["protected_cents"]),
    }
    assert "45.00 an hour" in by_class(root, "rate")[0].text()
    assert "verifies whole: 6 segment(s)" in by_class(root, "verdict")[0].text()


def test_the_screenshots_are_the_bundle_s_own_bytes_inline(bundle: Path, tmp_path: Path) -> None:
    _, found, page, root = _report(bundle, tmp_path / "week.html")
    images = root.all(lambda n: n.tag == "img")
    shown = {s for x in found["segments"] for s in x["screenshots"]}
    assert len(shown) >= 3  # three colours at least
    assert {i.attrs["data-sha256"] for i in images} == shown
    with zipfile.ZipFile(bundle) as archive:
        for image in images:
            prefix, data = image.attrs["src"].split(",", 1)
            assert prefix == "data:image/jpeg;base64"
            sha256 = image.attrs["data-sha256"]
            assert base64.b64decode(data) == archive.read(f"screenshots/{sha256}.jpg")
            assert hashlib.sha256(base64.b64decode(data)).hexdigest() == sha256
    # Nothing to load from anywhere: every reference is inline, and the page forbids the rest.
    references = [
        v for n in root.all(lambda _: True) for k, v in n.attrs.items() if k in ("src", "href")
    ]
    assert references and all(r.startswith("data:") for r in references)
    assert "http://" not in page and "https://" not in page and "url(" not in page
    (policy,) = root.all(lambda n: n.attrs.get("http-equiv") == "Content-Security-Policy")
    assert policy.attrs["content"].startswith("default-src 'none'")


def test_a_hostile_memo_is_text_not_markup(bundle: Path, tmp_path: Path) -> None:
    _, _, page, root = _report(bundle, tmp_path / "week.html")
    assert HOSTILE not in page and "<script" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; "
        "&lt;img src=x onerror=alert(2)&gt;" in page
    )
    assert not root.all(lambda n: n.tag == "script" or "onerror" in n.attrs)
    assert all(i.attrs["src"].startswith("data:") for i in root.all(lambda n: n.tag == "img"))
    assert HOSTILE in [m.text() for m in by_class(root, "memo")]


def test_a_tampered_bundle_shows_failed_with_the_reasons(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        lines = [json.loads(line) for line in archive.read("records.jsonl").splitlines()]
    checkout = next(x for x in lines if (x.get("details") or {}).get("memo") == "Checkout page")
    swapped = checkout["details"]["screenshots"][0]["sha256"]
    late = next(x for x in lines if (x.get("details") or {}).get("memo") == "Late")
    other = late["details"]["screenshots"][0]["sha256"]
    with zipfile.ZipFile(bundle) as archive:
        original = archive.read(f"screenshots/{other}.jpg")

    def edit(lines: Lines) -> Lines:
        for line in lines:
            if (line.get("details") or {}).get("memo") == "Checkout page":
                line["details"]["memo"] = "Checkout page, reviewed"
        return lines

    tampered = rewrite(
        bundle,
        tmp_path / "tampered.zip",
        lines=edit,
        files={f"screenshots/{other}.jpg": original[:-1] + bytes([original[-1] ^ 1])},
    )
    code, found, page, root = _report(tampered, tmp_path / "week.html")
    assert code == 1 and not found["ok"]
    verdict = by_class(root, "verdict")[0]
    assert "bad" in verdict.classes()
    assert f"does NOT verify whole: {found['failures']} failure(s)" in verdict.text()
    failed = {s["id"]: s for s in found["segments"] if not s["verified"]}
    assert len(failed) >= 2
    for cell in by_class(root, "segment"):
        segment = failed.get(cell.attrs["data-segment"])
        if segment is None:
            assert by_class(cell, "verified")
            continue
        assert by_class(cell, "failed")[0].text() == "FAILED"
        reasons = [li.text() for li in by_class(cell, "reasons")[0].all(lambda n: n.tag == "li")]
        assert reasons == segment["failures"] and reasons
    assert any(r.startswith("details:") for s in failed.values() for r in s["failures"])
    assert any(r.startswith("screenshot") for s in failed.values() for r in s["failures"])
    # The altered file is not shown as if it were the screenshot the device took.
    images = {i.attrs["data-sha256"] for i in root.all(lambda n: n.tag == "img")}
    assert other not in images and swapped in images
    assert "not shown: its file is not the one recorded" in page
    totals = by_class(by_id(root, "total-verified-billable"), "time")[0].text()
    assert totals == _clock(found["totals"]["verified_billable_seconds"])


def test_the_file_is_the_user_s_only_and_said_on_standard_output(
    bundle: Path, tmp_path: Path
) -> None:
    out = tmp_path / "week.html"
    out.write_text("an older report", encoding="utf-8")
    out.chmod(0o644)
    done = review(bundle, out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("The week verifies: 6 segment(s).")
    assert done.stdout.endswith(f"Saved the report to {out}\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
    assert "No rate given: no amounts." in out.read_text(encoding="utf-8")


def test_a_folder_is_refused_before_reviewing(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "--bundle", str(bundle), "--html", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "is a folder" in err
    missing = tmp_path / "no such folder" / "week.html"
    assert main(["review", "--bundle", str(bundle), "--html", str(missing)]) == 3
    out, err = capsys.readouterr()
    assert "Cannot save the report" in err and not missing.parent.exists()


def test_screenshots_too_large_for_the_report_are_named_not_embedded(bundle: Path) -> None:
    found = review_bundle(bundle, 4500)
    root = parse(week_html(found, bundle, embed_limit=100))
    assert not root.all(lambda n: n.tag == "img")
    notes = [n.text() for n in by_class(root, "note") if "Screenshot" in n.text()]
    assert len(notes) == sum(len(s.screenshots) for s in found.segments) > 0
    assert all("not embedded, too large" in n for n in notes)
    largest = max(
        len(zipfile.ZipFile(bundle).read(f"screenshots/{x.sha256}.jpg"))
        for s in found.segments
        for x in s.screenshots
    )
    budget = parse(week_html(found, bundle, embed_budget=largest))
    assert 1 <= len(budget.all(lambda n: n.tag == "img")) < len(notes)
    assert "as many screenshots as it has room for" in budget.text()


def test_from_the_marketplace_the_report_names_the_contract_and_its_client(
    seeded: Parties,
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_keyring()  # the client's token goes to the keyring
    data_dir = tmp_path / "client"
    email = seeded.client.ok("GET", "/v1/me")["email"]
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    clock = FakeClock(at(12, 0, day=30))
    login = ["--data-dir", str(data_dir), "login", server.url, email, "--password-stdin"]
    assert main(login, clock=clock) == 0, capsys.readouterr().err
    capsys.readouterr()
    out = tmp_path / "week.html"
    args = ["--data-dir", str(data_dir), "review", "--contract", seeded.contract_id]
    assert main([*args, "--week", WEEK, "--html", str(out)], clock=clock) == 0
    printed = capsys.readouterr().out
    assert printed.endswith(f"Saved the report to {out}\n") and "in-review" in printed
    root = parse(out.read_text(encoding="utf-8"))
    heading = root.all(lambda n: n.tag == "h1")[0].text()
    client = seeded.client.ok("GET", "/v1/me")["name"]
    assert f"contract {seeded.contract_id}, Website, client {client}" in heading
    assert len(by_class(root, "segment")) == 6 and len(root.all(lambda n: n.tag == "img")) >= 3
    assert by_id(root, "total-verified-billable")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert main(["--data-dir", str(data_dir), "logout"], clock=clock) == 0
