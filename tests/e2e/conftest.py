"""The end-to-end tests' data dirs: the app's one-time offer of a marketplace was answered, so
that no dialog takes the focus from the window the tests type into (tests of the offer make a
data dir of their own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.program import offer_answered


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return offer_answered(tmp_path / "data")
