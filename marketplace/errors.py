"""The server's errors: what is wrong with its data dir, its clock, its address or its blob
store, in a sentence; the command line says what to do. A blob store that fails while the server
runs answers the API with a 503 problem (``storage-unavailable``) instead."""

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


class BlobsAddressInvalid(ServerError):
    """The blob store's address is not one the server can use (the user's to correct)."""

    code = "marketplace-blobs-address-invalid"


class BlobStoreUnusable(ServerError):
    """The blob store cannot be used: its bucket is missing, the credentials are missing or
    refused, its endpoint does not answer, or it holds a damaged file. Raised at start-up (the
    bucket is checked once) and by any call while serving."""

    code = "marketplace-blobs-unusable"


class DatabaseAddressInvalid(ServerError):
    """The database's address is not a PostgreSQL address (the user's to correct)."""

    code = "marketplace-database-address-invalid"


class DatabaseUnusable(ServerError):
    """The database cannot be used: its server does not answer, refuses the user or the
    password, the database does not exist, or it holds tables of another program."""

    code = "marketplace-database-unusable"
