"""Benchmark: CPU and peak memory of headless tracking next to a bare pynput listener.

Both run at the same time on one Xvfb display and receive the same steady stream of about
50 X input events a second (key taps, pointer motion, clicks, wheel steps) sent through XTEST.
CPU time is read from /proc over the measuring window only (start-up excluded); peak RSS is
VmHWM. Rounds repeat the whole thing; medians are reported with the ratio to the bare listener.

    .venv/bin/python bench/track_overhead.py [--seconds 60] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.memory import status_mb  # noqa: E402
from tests.xvfb import Xvfb  # noqa: E402

BARE_LISTENER = """
import sys, threading
from pynput import keyboard, mouse
k = keyboard.Listener(on_press=lambda *a: None, on_release=lambda *a: None)
m = mouse.Listener(on_move=lambda *a: None, on_click=lambda *a: None, on_scroll=lambda *a: None)
k.start(); m.start(); k.wait(); m.wait()
print("Counting input now.", flush=True)
threading.Event().wait()
"""
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_ready(process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "Counting input now." in line:
            threading.Thread(target=process.stdout.read, daemon=True).start()  # keep draining
            return
        if not line and process.poll() is not None:
            break
    raise RuntimeError("a subject did not start")


def send_events(display: str, seconds: float) -> int:
    """About 50 events a second through XTEST: 8 key taps, 24 motions, 3 clicks, 2 wheel steps."""
    import Xlib.display
    import Xlib.X
    from Xlib.ext import xtest

    x = Xlib.display.Display(display)
    keycode = x.keysym_to_keycode(ord("a"))
    plan: list[tuple[int, int, int, int]] = []
    for _ in range(8):
        plan += [(Xlib.X.KeyPress, keycode, 0, 0), (Xlib.X.KeyRelease, keycode, 0, 0)]
    for i in range(24):
        plan.append((Xlib.X.MotionNotify, 0, 200 + (i * 37) % 900, 200 + (i * 53) % 600))
    for _ in range(3):
        plan += [(Xlib.X.ButtonPress, 1, 0, 0), (Xlib.X.ButtonRelease, 1, 0, 0)]
    for _ in range(2):
        plan += [(Xlib.X.ButtonPress, 5, 0, 0), (Xlib.X.ButtonRelease, 5, 0, 0)]
    interval = 1.0 / len(plan)
    sent, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        kind, detail, px, py = plan[sent % len(plan)]
        if kind == Xlib.X.MotionNotify:
            xtest.fake_input(x, kind, x=px, y=py)
        else:
            xtest.fake_input(x, kind, detail)
        x.sync()
        sent += 1
        time.sleep(max(0.0, start + sent * interval - time.monotonic()))
    x.close()
    return sent


def one_round(seconds: float, settle: float) -> dict[str, tuple[float, float]]:
    server = Xvfb()
    data_dir = Path(tempfile.mkdtemp(prefix="workdiary-bench-"))
    env = server.env()
    try:
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "--data-dir",
                str(data_dir),
                "contract",
                "add",
                "--title",
                "Bench",
                "--client",
                "Bench",
                "--rate",
                "1",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "--data-dir",
                str(data_dir),
                "settings",
                "idle_policy",
                "keep",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        subjects = {
            "bare pynput listener": subprocess.Popen(
                [sys.executable, "-c", BARE_LISTENER], env=env, stdout=subprocess.PIPE, text=True
            ),
            "workdiary track": subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "main.py"),
                    "--data-dir",
                    str(data_dir),
                    "track",
                    "--contract",
                    "1",
                    "--memo",
                    "benchmark",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            ),
        }
        for process in subjects.values():
            wait_ready(process)
        time.sleep(settle)  # past the start screenshot and imports
        before = {name: cpu_seconds(p.pid) for name, p in subjects.items()}
        sent = send_events(server.display, seconds)
        results = {
            name: (cpu_seconds(p.pid) - before[name], status_mb("VmHWM", p.pid))
            for name, p in subjects.items()
        }
        print(f"  sent {sent} events in {seconds:.0f} s", flush=True)
        for process in subjects.values():
            process.terminate()
            process.wait(10)
        return results
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=8.0)
    args = parser.parse_args()
    rounds = []
    for n in range(args.rounds):
        print(f"round {n + 1} of {args.rounds}", flush=True)
        rounds.append(one_round(args.seconds, args.settle))
        for name, (used, peak) in rounds[-1].items():
            print(f"  {name:<22} cpu {used:6.3f} s  peak rss {peak:6.1f} MB", flush=True)
    names = list(rounds[0])
    cpu = {name: statistics.median(r[name][0] for r in rounds) for name in names}
    rss = {name: statistics.median(r[name][1] for r in rounds) for name in names}
    bare, ours = names
    print(f"\nmedians of {args.rounds} rounds, {args.seconds:.0f} s of ~50 events/s each")
    print(f"{'':<22} {'cpu s':>7} {'% of a core':>12} {'peak rss MB':>12}")
    for name in names:
        print(
            f"{name:<22} {cpu[name]:7.3f} {100 * cpu[name] / args.seconds:11.2f}% {rss[name]:12.1f}"
        )
    ratio = cpu[ours] / cpu[bare] if cpu[bare] else float("inf")
    print(f"cpu ratio (workdiary / bare): {ratio:.2f}   target <= 1.30")
    print(f"rss ratio (workdiary / bare): {rss[ours] / rss[bare]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
