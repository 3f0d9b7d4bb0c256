"""Where the records, accounts and money are kept when not in the data dir's SQLite file: a
PostgreSQL database, named as ``postgresql://USER@HOST:PORT/DATABASE``, checked before anything
is opened. A password may be in the address, but is never shown: libpq also finds it in
PGPASSWORD or ~/.pgpass, where no process list shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import DatabaseAddressInvalid

FORM = "postgresql://USER@HOST:PORT/DATABASE"
_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class DatabaseAddress:
    #: The address as given, password and all: for the driver only, never for a message.
    url: str = field(repr=False)
    #: The address without its password or options, for messages.
    where: str
    #: The password the address holds ("" if none), to be kept out of any message.
    password: str = field(default="", repr=False)

    def redact(self, text: str) -> str:
        """``text`` (a driver's message, say) with the address's password taken out."""
        return text.replace(self.password, "***") if self.password else text


def parse_database_address(text: str) -> DatabaseAddress:
    """The database that ``text`` names; DatabaseAddressInvalid says what is wrong with it,
    never repeating a password it holds."""
    parts = urlsplit(text)
    if parts.scheme not in _SCHEMES:
        raise DatabaseAddressInvalid(
            f"A database is named {FORM} (PostgreSQL); this is not a postgresql:// address."
        )
    try:
        port = parts.port
    except ValueError:
        raise DatabaseAddressInvalid(
            f"The database's address has no valid port: it is named {FORM}, the port a number "
            "(PostgreSQL's is 5432)."
        ) from None
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database or parts.fragment:
        raise DatabaseAddressInvalid(
            f"The database's address names one database after the server: {FORM}."
        )
    user = unquote(parts.username or "")
    host = parts.hostname or "localhost"
    where = f"postgresql://{user + '@' if user else ''}{host}{f':{port}' if port else ''}"
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    password = unquote(parts.password or "") or options.get("password", "")
    return DatabaseAddress(text, f"{where}/{database}", password)
