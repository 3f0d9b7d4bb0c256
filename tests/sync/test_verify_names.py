"""verify names a bundle's contracts by their title and client as the manifest gives them, and
says that no record signs them: an edited name still verifies, and is shown as the manifest's
word; a bundle without names (an older export) verifies as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from sync.keys import MemoryVault
from tests.diary import independent_verifier
from tests.sync.diary_week import WeekDiary, record_week
from tests.sync.screens import PaintedScreen
from tests.sync.tampering import read_json, rewrite

MANIFESTS_WORD = "(as the bundle's manifest states; not signed)"


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeekDiary]:
    diary = record_week(tmp_path_factory.mktemp("week"), PaintedScreen(), MemoryVault())
    yield diary
    diary.store.close()


def verify(bundle: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    """verify --json, then verify's text."""
    code = main(["verify", str(bundle), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert main(["verify", str(bundle)]) == code
    return code, report, capsys.readouterr().out


def test_export_names_the_contract_and_verify_says_it_is_the_manifests_word(
    week: WeekDiary, capsys: pytest.CaptureFixture[str]
) -> None:
    assert read_json(week.contract_1, "manifest.json")["contracts"] == {
        "1": {"title": "Website", "client": "Acme"}
    }
    code, report, text = verify(week.contract_1, capsys)
    assert code == 0, report["failures"]
    assert report["contract_names"] == {"1": {"title": "Website", "client": "Acme"}}
    assert f'\nContract 1 "Website" for Acme {MANIFESTS_WORD}.\n' in text


def test_a_bundle_of_all_contracts_names_each_of_them(
    week: WeekDiary, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, text = verify(week.everything, capsys)
    assert code == 0, report["failures"]
    assert report["contract_names"] == {
        "1": {"title": "Website", "client": "Acme"},
        "2": {"title": "Data import", "client": "Globex"},
    }
    assert (
        "\nContracts, as the bundle's manifest states (not signed): "
        '1 "Website" for Acme; 2 "Data import" for Globex.\n'
    ) in text


def test_an_edited_name_still_verifies_and_is_shown_as_the_manifests_word(
    week: WeekDiary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def renamed(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest["contracts"]["1"] = {"title": "Something else", "client": "Initech"}
        return manifest

    edited = rewrite(week.contract_1, tmp_path / "renamed.zip", manifest=renamed)
    code, report, text = verify(edited, capsys)
    # No record signs a title or a client: the hours are the records', whatever it says.
    assert code == 0, report["failures"]
    assert report["contract_names"] == {"1": {"title": "Something else", "client": "Initech"}}
    assert f'\nContract 1 "Something else" for Initech {MANIFESTS_WORD}.\n' in text
    assert independent_verifier.verify(edited)["ok"]


def test_a_bundle_without_names_verifies_as_before(
    week: WeekDiary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def older(manifest: dict[str, Any]) -> dict[str, Any]:
        del manifest["contracts"]
        return manifest

    old = rewrite(week.contract_1, tmp_path / "older.zip", manifest=older)
    code, report, text = verify(old, capsys)
    assert code == 0, report["failures"]
    assert report["contract_names"] == {}
    assert "Contract 1 " not in text and "not signed" not in text
    assert independent_verifier.verify(old)["ok"]


@pytest.mark.parametrize(
    "contracts",
    [
        "Website",
        {"1": "Website"},
        {"1": {"title": "Website"}},
        {"1": {"title": 7, "client": "Acme"}},
        {"1": {"title": "W" * 201, "client": "Acme"}},
        {"2": {"title": "Data import", "client": "Globex"}},  # not the bundle's contract
    ],
)
def test_what_is_not_a_name_of_the_bundles_contract_is_left_out(
    contracts: Any, week: WeekDiary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def changed(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest["contracts"] = contracts
        return manifest

    bundle = rewrite(week.contract_1, tmp_path / "changed.zip", manifest=changed)
    code, report, text = verify(bundle, capsys)
    assert code == 0, report["failures"]
    assert report["contract_names"] == {}
    assert "not signed" not in text
