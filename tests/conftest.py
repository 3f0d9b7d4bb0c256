"""Shared fixtures: a fake clock, a fresh data dir and store per test, real X servers, and the
marketplace's storage for the whole session (tests/marketplace/backend.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.marketplace import backend
from tests.xvfb import Xvfb
from tracker.activity import ActivityCounter
from tracker.clock import FakeClock
from tracker.engine import Engine
from tracker.events import EngineEvent
from tracker.settings import Settings
from tracker.store import DATABASE_FILE, Store

#: A Wednesday, a little after 10:00 UTC.
START = datetime(2026, 11, 25, 10, 3, 27, tzinfo=UTC)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def store(data_dir: Path, fake_clock: FakeClock) -> Iterator[Store]:
    store = Store(data_dir / DATABASE_FILE, fake_clock)
    yield store
    store.close()


@pytest.fixture
def contract_id(store: Store) -> int:
    return store.add_contract("Website", "Acme", 4500, 0, False).id


@pytest.fixture
def counter() -> ActivityCounter:
    return ActivityCounter()


@pytest.fixture
def events() -> list[EngineEvent]:
    return []


@pytest.fixture
def settings() -> Settings:
    """Idle time kept, so that tests about other rules are not cut short by idleness."""
    return Settings(idle_policy="keep")


@pytest.fixture
def engine(
    fake_clock: FakeClock,
    store: Store,
    settings: Settings,
    counter: ActivityCounter,
    events: list[EngineEvent],
) -> Engine:
    """The real engine on a fake clock; input arrives through the real counter."""
    engine = Engine(fake_clock, store, settings, counter, rng=random.Random(7))
    engine.subscribe(events.append)
    return engine


@pytest.fixture(scope="session")
def xserver() -> Iterator[Xvfb]:
    """One real X server for the whole session."""
    server = Xvfb()
    yield server
    server.stop()


@pytest.fixture
def own_xserver() -> Iterator[Xvfb]:
    """A real X server of the test's own, for tests that kill it."""
    server = Xvfb()
    yield server
    server.stop()


def pytest_report_header() -> str:
    return f"marketplace: {backend.chosen()} ({backend.SWITCH})"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if backend.chosen() == backend.SQLITE_FILES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_files")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=f"only on sqlite-files: {marker.args[0]}"))


@pytest.fixture(scope="session", autouse=True)
def marketplace_services() -> Iterator[None]:
    """The PostgreSQL and S3 servers the marketplaces of the session shared, if any started:
    stopped once every test is done (after the module-scoped marketplaces)."""
    backend.chosen()
    yield
    backend.stop_services()
