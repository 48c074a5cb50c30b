"""Append-only SQLite results store."""

from vlmtrust.store.sqlite import SCHEMA_VERSION, ResultStore, StoredResult

__all__ = ["SCHEMA_VERSION", "ResultStore", "StoredResult"]
