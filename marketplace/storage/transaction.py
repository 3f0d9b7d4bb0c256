"""One transaction's reads and writes on any SQL engine: every group of queries, on one cursor."""

from __future__ import annotations

from .sql_accounts import AccountQueries
from .sql_contracts import ContractQueries
from .sql_disputes import DisputeQueries
from .sql_records import RecordQueries


class SqlTransaction(AccountQueries, ContractQueries, RecordQueries, DisputeQueries):
    """The storage interface's ``Transaction`` (storage/base.py), on a DB-API cursor."""
