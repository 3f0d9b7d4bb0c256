"""The server's start-up errors: what is wrong with its data dir, its clock or its address,
in a sentence; the command line says what to do."""

from __future__ import annotations


class ServerError(Exception):
    code = "server"


class DataDirUnusable(ServerError):
    """The data dir cannot be opened, or what it holds is damaged."""

    code = "marketplace-data-unusable"


class ClockUnusable(ServerError):
    code = "marketplace-clock-unusable"


class CannotListen(ServerError):
    code = "marketplace-cannot-listen"
