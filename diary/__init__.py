"""The work diary's protocol, shared by the desktop and the marketplace (docs/protocol.md).

The record format, the canonical form and hashes, record builders, the schema, the rules that
decide a segment's state and hours, the chain and diary checks, bundle reading and the verdict.
It imports only the standard library, cryptography and rfc8785: never the engine, the store,
signing, the UI, sqlite3, keyring or Qt (an import-linter contract in pyproject.toml holds it).
"""
