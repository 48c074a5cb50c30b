"""Append-only SQLite results store."""

from vlmtrust.core.records import SEVERITIES, Finding
from vlmtrust.store.records import (
    HumanLabel,
    StoredExample,
    StoredResult,
    StoredTerms,
    UnscorableCount,
)
from vlmtrust.store.sqlite import SCHEMA_VERSION, STORE_FILE, ResultStore

__all__ = [
    "SCHEMA_VERSION",
    "SEVERITIES",
    "STORE_FILE",
    "Finding",
    "HumanLabel",
    "ResultStore",
    "StoredExample",
    "StoredResult",
    "StoredTerms",
    "UnscorableCount",
]
