"""Running the reference marketplace: open its data dir, seed the demo if asked, and serve
the API with uvicorn on a socket bound before anything is printed (port 0: a free one)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn

from .app import create_app
from .clock import Clock
from .demo import Demo, seed
from .service import open_marketplace


def serve(
    data_dir: Path,
    host: str,
    port: int,
    clock: Clock,
    demo: bool,
    say: Callable[[str], None],
) -> None:
    market = open_marketplace(data_dir, clock)
    try:
        seeded = seed(market, data_dir) if demo else None
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)  # connections wait from here on, until the server accepts them
        url = f"http://{host if ':' not in host else f'[{host}]'}:{listener.getsockname()[1]}"
        if seeded is not None:
            _say_demo(seeded, url, say)
        say(
            f"Marketplace at {url} (data in {data_dir}; receipt key "
            f"{market.key.public.key_id[:16]}). Stop it with Ctrl+C."
        )
        config = uvicorn.Config(
            create_app(market), log_level="warning", access_log=False, lifespan="off"
        )
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        market.close()


def _say_demo(demo: Demo, url: str, say: Callable[[str], None]) -> None:
    say(f"Demo accounts on {url}:")
    for login in demo.logins:
        say(f"  {login.role.value:<10}  {login.email}  password {login.password}")
    say(f"  contract    {demo.contract}  (Demo project, accepted by the freelancer)")
