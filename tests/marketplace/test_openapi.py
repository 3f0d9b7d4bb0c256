"""docs/openapi.json is the server's own description, written out: a test fails when it is
stale, and every problem code the server can answer is listed in docs/api.md."""

from __future__ import annotations

import re
from pathlib import Path

from marketplace.openapi_file import DOCUMENT, text
from marketplace.problems import CODES

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_committed_openapi_description_is_the_servers() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == text(), (
        "docs/openapi.json is stale: write it again with "
        "`.venv/bin/python -m marketplace.openapi_file`"
    )


def test_every_problem_code_is_explained_in_the_api_document() -> None:
    section = API_DOC.read_text(encoding="utf-8").split("## Problem codes")[1].split("\n## ")[0]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", section, re.MULTILINE))
    assert listed == set(CODES)
