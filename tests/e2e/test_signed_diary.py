"""The signed diary end to end: track without a keyring (export refuses then), sign later, export,
verify elsewhere."""

from __future__ import annotations

import json
import os
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.program import Tracker, cli
from tests.xvfb import Xvfb

pytestmark = [pytest.mark.e2e, pytest.mark.x11]

#: What a machine without any keyring service looks like to the program.
NO_KEYRING = ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL")


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def test_tracking_without_a_keyring_then_signing_exporting_and_verifying(
    own_xserver: Xvfb, data_dir: Path, tmp_path: Path
) -> None:
    if "DBUS_SESSION_BUS_ADDRESS" not in os.environ:
        pytest.skip("needs the test command's D-Bus session with a keyring: run scripts/test")
    added = cli(
        data_dir, "contract", "add", "--title", "Website", "--client", "Acme", "--rate", "45"
    )
    contract = added.stdout.strip()
    offline = without(own_xserver.env(), *NO_KEYRING)
    # Six seconds of tracking in one segment: not in the last seconds of a 10-minute slot.
    while (now := datetime.now(UTC)).minute % 10 == 9 and now.second > 45:
        time.sleep(0.5)
    tracker = Tracker(
        data_dir, offline, "--contract", contract, "--memo", "No keyring", "--for", "0.1"
    )
    line = tracker.wait_for("Not signed yet")
    assert "no keyring is available" in line
    assert f"python main.py --data-dir {data_dir} sign" in line  # runs as written
    assert tracker.finish() == 0, tracker.output
    assert any("Tracked" in out for out in tracker.output)
    (segment,) = json.loads(cli(data_dir, "diary", "--json").stdout)
    assert segment["signed"] is False
    waiting = cli(data_dir, "sign", env=offline)
    assert waiting.returncode == 3
    assert "1 record(s) wait to be signed" in waiting.stderr
    bundle = tmp_path / "diary.zip"
    refused = cli(data_dir, "export", "--contract", contract, "-o", str(bundle), env=offline)
    assert refused.returncode == 3  # a bundle without the week's segment would mislead
    assert "1 of 1 segment(s) are not signed yet" in refused.stderr
    assert "no keyring is available" in refused.stderr and not bundle.exists()

    signed = cli(data_dir, "sign")  # the test command's keyring: a real Secret Service
    assert signed.returncode == 0, signed.stderr
    assert "Signed 1 record(s)" in signed.stdout
    (segment,) = json.loads(cli(data_dir, "diary", "--json").stdout)
    assert segment["signed"] is True
    keys = cli(data_dir, "keys")
    assert keys.returncode == 0 and "current" in keys.stdout

    exported = cli(data_dir, "export", "--contract", contract, "-o", str(bundle))
    assert exported.returncode == 0, exported.stderr
    assert "1 screenshot(s)" in exported.stdout and "Warning" not in exported.stdout

    # The client's machine: no data dir of theirs, no display, no keyring.
    client = without(dict(os.environ), "DISPLAY", *NO_KEYRING)
    checked = cli(tmp_path / "nowhere", "verify", str(bundle), "--json", env=client)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"] and report["screenshots"] == 1
    (hours,) = report["hours"]
    assert hours["contract"] == contract and 5 <= hours["seconds"] <= 7
    assert not (tmp_path / "nowhere").exists()

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(tampered, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "records.jsonl":
                data = data.replace(b'"memo":"No keyring"', b'"memo":"Worked hard"')
            new.writestr(name, data)
    refused = cli(tmp_path / "nowhere", "verify", str(tampered), env=client)
    assert refused.returncode == 1
    assert "NOT VERIFIED" in refused.stdout and "[details]" in refused.stdout
