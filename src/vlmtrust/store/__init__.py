"""Append-only SQLite results store."""

from vlmtrust.store.sqlite import SCHEMA_VERSION, HumanLabel, ResultStore, StoredResult

__all__ = ["SCHEMA_VERSION", "HumanLabel", "ResultStore", "StoredResult"]
