"""Rewrite a bundle the way someone altering it would: records, files, manifest."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Lines = list[dict[str, Any]]


def read_lines(bundle: Path) -> Lines:
    with zipfile.ZipFile(bundle) as archive:
        return [json.loads(line) for line in archive.read("records.jsonl").splitlines()]


def read_json(bundle: Path, name: str) -> Any:
    with zipfile.ZipFile(bundle) as archive:
        return json.loads(archive.read(name))


def rewrite(
    source: Path,
    target: Path,
    lines: Callable[[Lines], Lines] | None = None,
    files: dict[str, bytes | None] | None = None,
    manifest: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    keys: Callable[[Lines], Lines] | None = None,
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    """Copy a bundle, changing what the callbacks change; a file mapped to None is left out."""
    files = files or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", compression) as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "records.jsonl" and lines is not None:
                changed = lines([json.loads(line) for line in data.splitlines()])
                data = "".join(
                    json.dumps(line, ensure_ascii=False) + "\n" for line in changed
                ).encode()
            elif name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
            elif name == "keys.jsonl" and keys is not None:
                changed = keys([json.loads(line) for line in data.splitlines()])
                data = "".join(json.dumps(line) + "\n" for line in changed).encode()
            elif name in files:
                replacement = files.pop(name)
                if replacement is None:
                    continue
                data = replacement
            new.writestr(name, data)
        for name, extra in files.items():
            if extra is not None:
                new.writestr(name, extra)
    return target
