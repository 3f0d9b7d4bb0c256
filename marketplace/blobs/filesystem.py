"""Screenshot files in a folder, named by their SHA-256 under two-character subfolders; each is
written to a temporary file and renamed into place, so no reader ever sees half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO


class FilesystemBlobs:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.jpg"

    def has(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def put(self, sha256: str, data: bytes) -> bool:
        path = self._path(sha256)
        if path.is_file():
            return False
        path.parent.mkdir(exist_ok=True)
        handle, partial = tempfile.mkstemp(prefix=".", suffix=".partial", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return True

    def open(self, sha256: str) -> IO[bytes]:
        return self._path(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)
