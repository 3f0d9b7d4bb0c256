"""docs/openapi.json: the server's OpenAPI description, written out (``python -m
marketplace.openapi_file`` writes it; a test fails when the committed file is stale)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from .app import create_app
from .clock import SystemClock
from .service import open_marketplace

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def description() -> dict[str, Any]:
    """The OpenAPI description of a marketplace (it does not depend on its data)."""
    with tempfile.TemporaryDirectory() as data:
        market = open_marketplace(Path(data), SystemClock())
        try:
            schema: dict[str, Any] = create_app(market).openapi()
        finally:
            market.close()
    return schema


def text() -> str:
    return json.dumps(description(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    argparse.ArgumentParser(
        prog="python -m marketplace.openapi_file",
        description=f"Write the marketplace's OpenAPI description to {DOCUMENT}.",
    ).parse_args()
    DOCUMENT.write_text(text(), encoding="utf-8")
    print(f"Wrote {DOCUMENT}", file=sys.stderr)
