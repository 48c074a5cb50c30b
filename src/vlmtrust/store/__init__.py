"""Append-only SQLite results store."""

from vlmtrust.store.records import (
    HumanLabel,
    StoredExample,
    StoredResult,
    StoredTerms,
    UnscorableCount,
)
from vlmtrust.store.sqlite import SCHEMA_VERSION, ResultStore

__all__ = [
    "SCHEMA_VERSION",
    "HumanLabel",
    "ResultStore",
    "StoredExample",
    "StoredResult",
    "StoredTerms",
    "UnscorableCount",
]
