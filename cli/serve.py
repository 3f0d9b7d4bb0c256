"""`serve`: run the reference marketplace (marketplace/) on this machine. The server's
packages are imported only when this command runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from composition import Composition

from .terminal import safe


def add_commands(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the reference marketplace (the open HTTP API, docs/api.md) on this machine",
        description="Run the reference marketplace: accounts, contracts, signed records with "
        "receipts, billing weeks and escrow, over the HTTP API that docs/api.md describes.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: a free one)")
    serve.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        help="the marketplace's data dir (default: marketplace/ in Workdiary's data dir)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed a demo client, freelancer and mediator and an accepted contract, and print "
        "their logins",
    )
    serve.add_argument(
        "--clock-file",
        metavar="FILE",
        type=Path,
        help="read the server's time from FILE (a UTC timestamp like 2026-11-25T10:00:00Z) "
        "instead of the system clock; for tests that move the billing week",
    )
    serve.add_argument(
        "--blobs",
        metavar="URL",
        help="keep the screenshots in an S3-compatible bucket: s3://BUCKET, with "
        "?endpoint=URL&region=NAME for a server other than AWS's (credentials from "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile; default: screenshots/ in "
        "the data dir)",
    )
    serve.add_argument(
        "--database",
        metavar="URL",
        help="keep the records, accounts and money in a PostgreSQL database: "
        "postgresql://USER@HOST:PORT/DATABASE, which several servers may share (the password "
        "is best in PGPASSWORD or ~/.pgpass; default: marketplace.sqlite3 in the data dir, "
        "which keeps the receipt key either way)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve with N processes on the one address (default 1); they share the database "
        "and the screenshots, so they can also run on several machines behind a load balancer",
    )
    # For the local marketplace (sync/local_marketplace.py): it stops with what started it.
    serve.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    serve.set_defaults(run=run, needs_data_dir=False)


DATABASE_ADVICE = (
    "Check that PostgreSQL runs at that address and takes that user (a password goes in "
    "PGPASSWORD or ~/.pgpass), and that the database exists (createdb DATABASE); or leave out "
    "--database to keep everything in the data dir."
)


def run(args: argparse.Namespace, composition: Composition) -> int:
    from marketplace.blobs.address import parse_blobs_address
    from marketplace.clock import Clock, FileClock, SystemClock
    from marketplace.errors import (
        BlobsAddressInvalid,
        ClockUnusable,
        DatabaseAddressInvalid,
        DatabaseUnusable,
        ServerError,
    )
    from marketplace.server import serve
    from marketplace.storage.address import parse_database_address

    if not 0 <= args.port <= 65535:
        print(f"workdiary: --port {args.port} is not a port (0 to 65535).", file=sys.stderr)
        return 2
    try:
        blobs = parse_blobs_address(args.blobs) if args.blobs is not None else None
    except BlobsAddressInvalid as error:
        print(f"workdiary: --blobs: {safe(str(error))}", file=sys.stderr)
        return 2
    try:
        database = parse_database_address(args.database) if args.database is not None else None
    except DatabaseAddressInvalid as error:
        print(f"workdiary: --database: {safe(str(error))}", file=sys.stderr)
        return 2
    if not 1 <= args.workers <= 64:
        print(f"workdiary: --workers {args.workers}: give 1 to 64 processes.", file=sys.stderr)
        return 2
    data = args.data or composition.data_dir / "marketplace"
    try:
        clock: Clock = FileClock(args.clock_file) if args.clock_file else SystemClock()
        return serve(
            data,
            args.host,
            args.port,
            clock,
            args.demo,
            lambda line: print(line, flush=True),
            parent=args.parent_pid,
            blobs=blobs,
            database=database,
            workers=args.workers,
        )
    except ClockUnusable as error:
        print(f"workdiary: {safe(str(error))}", file=sys.stderr)
        return 2
    except DatabaseUnusable as error:
        print(f"workdiary: {safe(str(error))}", file=sys.stderr)
        print(DATABASE_ADVICE, file=sys.stderr)
        return 3
    except ServerError as error:
        print(f"workdiary: {safe(str(error))}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        pass
    return 0
