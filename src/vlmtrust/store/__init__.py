"""Append-only SQLite results store."""

from vlmtrust.store.sqlite import (
    SCHEMA_VERSION,
    HumanLabel,
    ResultStore,
    StoredExample,
    StoredResult,
    UnscorableCount,
)

__all__ = [
    "SCHEMA_VERSION",
    "HumanLabel",
    "ResultStore",
    "StoredExample",
    "StoredResult",
    "UnscorableCount",
]
