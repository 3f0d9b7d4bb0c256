"""Where the marketplace keeps its data: one interface (``Storage``), one implementation per
engine, chosen at start-up. Nothing outside the implementations knows which one runs."""

from __future__ import annotations

from .base import Conflict, Storage, Transaction

__all__ = ["Conflict", "Storage", "Transaction"]
