"""Benchmark: how the tracker's memory grows with its screenshots, with and without handing the
freed screen-grab buffers back to the system (tracker.screenshots.return_freed_memory).

Each subject is a fresh process on a private full-HD Xvfb that takes screenshots the way the
engine does (every other one blurred) and prints its RSS after each, less its RSS before the
first (which is what the first one costs: Pillow, hashlib, mss and the buffers).

    .venv/bin/python bench/screenshot_memory.py [--shots 6]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.memory import status_mb  # noqa: E402
from tests.xvfb import Xvfb  # noqa: E402


def child(shots: int, keep_freed: bool, data_dir: Path) -> None:
    """Runs in a child process: print the RSS growth in MB after each screenshot."""
    from datetime import UTC, datetime

    import tracker.screenshots as screenshots
    from tracker.platform import detect_platform

    if keep_freed:
        screenshots.return_freed_memory = lambda: None
    taker = screenshots.ScreenshotTaker(data_dir, detect_platform().screen)
    before = status_mb("VmRSS")
    growth = []
    for shot in range(shots):
        taken = taker.take(f"{shot:032x}", datetime.now(UTC), shot % 2 == 1, "all")
        assert taken.missing_reason is None, taken.missing_reason
        growth.append(status_mb("VmRSS") - before)
    print(" ".join(f"{g:.1f}" for g in growth))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=6)
    parser.add_argument("--child", choices=["returned", "kept"])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.shots, args.child == "kept", args.data_dir)
        return 0
    xserver = Xvfb()
    try:
        results = {}
        for kind in ("kept", "returned"):
            with tempfile.TemporaryDirectory() as temp:
                command = [sys.executable, __file__, "--child", kind, "--shots", str(args.shots)]
                results[kind] = subprocess.run(
                    [*command, "--data-dir", temp],
                    env=xserver.env(),
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
    finally:
        xserver.stop()
    print(f"RSS growth in MB after each of {args.shots} full-HD screenshots")
    print(f"{'freed buffers kept by malloc (baseline)':42}", " ".join(results["kept"]))
    print(f"{'freed buffers handed back (workdiary)':42}", " ".join(results["returned"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
