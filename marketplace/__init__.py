"""The reference marketplace: the open HTTP API (docs/api.md) that work diaries sync to.

It imports only the protocol package (``diary``), its own modules and its dependencies
(FastAPI, uvicorn, argon2-cffi): never the engine, the store, signing, the UI, Qt, pynput, mss
or keyring (an import-linter contract in pyproject.toml holds it).
"""
