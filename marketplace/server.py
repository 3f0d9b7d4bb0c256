"""Running the reference marketplace: bind its address first (nothing is made when it cannot
listen), open its data dir, seed the demo if asked, and serve the API with uvicorn. SIGINT and
SIGTERM both stop it cleanly: requests in flight finish, the database is closed."""

from __future__ import annotations

import errno
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

from .app import create_app
from .blobs.address import S3Address
from .clock import Clock
from .demo import Demo, seed
from .errors import CannotListen
from .service import Marketplace, open_marketplace
from .storage.address import DatabaseAddress
from .unused import retry_failed
from .workers import run_workers


def serve(
    data_dir: Path,
    host: str,
    port: int,
    clock: Clock,
    demo: bool,
    say: Callable[[str], None],
    *,
    parent: int | None = None,
    blobs: S3Address | None = None,
    database: DatabaseAddress | None = None,
    workers: int = 1,
) -> int:
    """Serve until SIGINT or SIGTERM; with ``parent`` (the pid of the process that started
    this one), also when that process ends, however it ends (the local marketplace of an app
    that crashed stops too), even before this one was listening. The screenshots are in the
    bucket at ``blobs``, or in the data dir; the records in the PostgreSQL ``database``, or in
    the data dir's SQLite file. ``workers`` processes serve the one address (marketplace/
    workers.py). The exit code: 0 after a stop, else a worker's that ended by itself."""
    # SIGTERM ends the process as Ctrl+C does, from the start: a stop that comes as soon as
    # the address is said closes the database below, too. uvicorn stops gracefully on SIGTERM
    # while it serves, then raises the signal again, which this handler also takes.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        listener = listen(host, port)
        try:
            market = open_marketplace(data_dir, clock, blobs_address=blobs, database=database)
        except BaseException:
            listener.close()
            raise
        try:
            seeded = seed(market, data_dir) if demo else None
            retry_failed(market)  # deletions the store failed before this start
            url = f"http://{host if ':' not in host else f'[{host}]'}:{listener.getsockname()[1]}"
            if seeded is not None:
                _say_demo(seeded, url, say)
            if blobs is not None:
                say(f"Screenshots in {blobs.where}.")
            if database is not None:
                say(f"Records, accounts and money in {database.where}.")
            processes = f" in {workers} processes" if workers > 1 else ""
            say(
                f"Marketplace at {url} (data in {data_dir}; receipt key "
                f"{market.key.public.key_id[:16]}){processes}. Stop it with Ctrl+C."
            )
            if workers > 1:
                # Each worker opens its own: no connection or pool thread crosses a fork.
                market.close()

                def work() -> None:
                    own = open_marketplace(
                        data_dir, clock, blobs_address=blobs, database=database, share=workers
                    )
                    try:
                        _run_uvicorn(own, listener)
                    finally:
                        own.close()

                watch = (lambda: _stop_with_parent(parent)) if parent is not None else None
                return run_workers(workers, work, say, started=watch)
            if parent is not None:
                _stop_with_parent(parent)
            _run_uvicorn(market, listener)
            return 0
        finally:
            market.close()
            listener.close()
    finally:
        signal.signal(signal.SIGTERM, previous)


#: How long an idle connection is kept open for its next request. uvicorn's 5 s closed
#: connections whose next request had already arrived: on a loop seconds behind (1,000 devices
#: flat out on 4 processes and 2 cores), the idle timer fired before the request was read, and
#: the client saw the connection closed without an answer.
KEEP_ALIVE_SECONDS = 75


def _run_uvicorn(market: Marketplace, listener: socket.socket) -> None:
    config = uvicorn.Config(
        create_app(market),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    uvicorn.Server(config).run(sockets=[listener])


def _stop(number: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_with_parent(parent: int) -> None:
    """SIGTERM to this process once ``parent`` is not its parent any more (it died, and this
    process was adopted by another)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening (connections wait from here on)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        # IPPROTO_TCP named outright: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
        # sockets made so, and without it every answer waited some 40 ms for the client's ACK.
        listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except OSError as error:
        raise CannotListen(f"{host} is not an address of this machine ({error}).") from error
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            why = f"port {port} is in use by another program; choose another with --port (0: any free one)"
        elif error.errno == errno.EACCES:
            why = f"port {port} needs more rights than this user has; choose one above 1023 with --port"
        elif error.errno == errno.EADDRNOTAVAIL:
            why = f"{host} is not an address of this machine"
        else:
            why = error.strerror or str(error)
        raise CannotListen(f"Cannot listen on {host}:{port}: {why}.") from error
    return listener


def _say_demo(demo: Demo, url: str, say: Callable[[str], None]) -> None:
    say(f"Demo accounts on {url}:")
    width = max(len(login.email) for login in demo.logins)
    for login in demo.logins:
        say(f"  {login.role.value:<10}  {login.email:<{width}}  password {login.password}")
    say(f"  contract    {demo.contract}  (Demo project, accepted by the freelancer)")
