"""Benchmark: the built bundle (installer/build) next to the source tree: its size on disk and
packed, and its start-up to the window.

On a private Xvfb display (xcb), in alternating rounds, from starting the process to the main
window being viewable on the X server, on one seeded data dir: ``python main.py`` (the source
tree, the baseline) and ``installer/dist/workdiary/workdiary`` (the built program). A frozen
program unpacks nothing at start (one folder, not one file), so it should start about as fast.

    .venv/bin/python bench/installed_app.py [--rounds 7] [--build]

--build runs installer/build first; without it the bundle already in installer/dist is used.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.app import seed_week, startup_seconds  # noqa: E402
from tests.xvfb import Xvfb  # noqa: E402

DIST = ROOT / "installer" / "dist"
BUNDLE = DIST / "workdiary"
PROGRAM = BUNDLE / "workdiary"
#: The issue's targets: unpacked and packed size (bytes), built start-up over the source's.
MAX_UNPACKED, MAX_PACKED, MAX_RATIO = 150_000_000, 60_000_000, 1.3


def folder_bytes(folder: Path) -> int:
    """What the folder's files hold (symbolic links not followed, as tar packs them)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def archive() -> Path:
    found = sorted(DIST.glob("workdiary-*-linux-x86_64.tar.gz"))
    if not found:
        raise SystemExit(
            "No workdiary-*.tar.gz in installer/dist: run installer/build (or --build)."
        )
    return found[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--build", action="store_true", help="run installer/build first")
    args = parser.parse_args()
    if args.build:
        subprocess.run([str(ROOT / "installer" / "build")], check=True)
    if not PROGRAM.exists():
        raise SystemExit(f"No built program at {PROGRAM}: run installer/build (or --build).")
    unpacked, packed = folder_bytes(BUNDLE), archive().stat().st_size
    xserver = Xvfb()
    env = {
        **xserver.env(QT_QPA_PLATFORM="xcb"),
        "DBUS_SESSION_BUS_ADDRESS": os.environ.get("DBUS_SESSION_BUS_ADDRESS", "disabled:"),
        "TZ": "UTC",
    }
    source: list[float] = []
    built: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as temp:
            data_dir = Path(temp)
            seed_week(data_dir)
            # Not the first launch: the one-time offer of a marketplace would open a dialog.
            (data_dir / "ui-state.ini").write_text("[marketplace]\noffered=true\n")
            commands = {
                "source": [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir)],
                "built": [str(PROGRAM), "--data-dir", str(data_dir)],
            }
            # One launch of each first, not counted: the page cache holds both afterwards.
            for command in commands.values():
                startup_seconds(command, env, xserver.display, "Workdiary")
            for _ in range(args.rounds):
                source.append(
                    startup_seconds(commands["source"], env, xserver.display, "Workdiary")
                )
                built.append(startup_seconds(commands["built"], env, xserver.display, "Workdiary"))
    finally:
        xserver.stop()
    s_start, b_start = statistics.median(source), statistics.median(built)
    print(f"{'':34} {'built':>12} {'target':>12}")
    print(f"{'unpacked, MB':34} {unpacked / 1e6:12.1f} {'<= 150':>12}")
    print(f"{'packed (tar.gz), MB':34} {packed / 1e6:12.1f} {'<= 60':>12}")
    print()
    print(f"{'':34} {'source':>12} {'built':>10} {'ratio':>6} {'target':>7}")
    print(
        f"{'start to window viewable, ms':34} {s_start * 1000:12.0f} {b_start * 1000:10.0f} "
        f"{b_start / s_start:6.2f} {'<= 1.3':>7}"
    )
    print(
        f"rounds: source {min(source) * 1000:.0f} to {max(source) * 1000:.0f} ms, "
        f"built {min(built) * 1000:.0f} to {max(built) * 1000:.0f} ms"
    )
    met = unpacked <= MAX_UNPACKED and packed <= MAX_PACKED and b_start / s_start <= MAX_RATIO
    print("targets met" if met else "a target is missed")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
