"""The switch the test command turns for its second run (WORKDIARY_TEST_MARKETPLACE): the
marketplaces the tests start really keep their records and screenshots where it says, so a run
meant for PostgreSQL and S3 cannot pass on SQLite and files unseen."""

from __future__ import annotations

import sqlite3

import pytest

from tests.marketplace import backend
from tests.marketplace.conftest import Parties
from tests.tracker.helpers import at


def test_records_and_screenshots_are_kept_where_the_switch_says(parties: Parties) -> None:
    server, device = parties.server, parties.device
    device.track(parties.local, "Checkout page", at(10, 10), at(10, 30))
    server.set_time(device.clock.now())
    parties.upload(device.entries())
    assert parties.upload_screenshots() >= 1
    chain = [(device.device_id, r.seq, r.hash) for r in device.chain()]
    shots = {f"screenshots/{sha256[:2]}/{sha256}.jpg" for sha256 in device.screenshots()}
    query = "SELECT device, seq, hash FROM records WHERE device = ? ORDER BY seq"
    data = server.data
    if backend.chosen() == backend.POSTGRES_S3:
        import psycopg

        assert server.place is not None
        with psycopg.connect(server.place.database) as db:
            assert db.execute(query.replace("?", "%s"), (device.device_id,)).fetchall() == chain
        assert set(server.place.s3.keys(server.place.bucket)) == shots
        assert not (data / "marketplace.sqlite3").exists() and not (data / "screenshots").exists()
        said = server.output()
        assert f"Records, accounts and money in {server.place.database}." in said
        assert f"Screenshots in bucket {server.place.bucket} at {server.place.s3.endpoint}." in said
    else:
        assert server.place is None
        embedded = sqlite3.connect(data / "marketplace.sqlite3")
        try:
            assert embedded.execute(query, (device.device_id,)).fetchall() == chain
        finally:
            embedded.close()
        held = {str(p.relative_to(data)) for p in (data / "screenshots").rglob("*.jpg")}
        assert held == shots
    device.close()


def test_a_backend_that_is_none_of_them_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(backend.SWITCH, "postgres")
    with pytest.raises(ValueError, match="expected one of sqlite-files, postgres-s3"):
        backend.chosen()
    monkeypatch.setenv(backend.SWITCH, "")
    assert backend.chosen() == backend.SQLITE_FILES
