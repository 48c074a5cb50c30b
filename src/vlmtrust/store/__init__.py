"""Append-only SQLite results store."""

from vlmtrust.core.records import SEVERITIES, Finding
from vlmtrust.store.records import (
    HumanLabel,
    StoredExample,
    StoredResult,
    StoredTerms,
    UnscorableCount,
)
from vlmtrust.store.sqlite import SAMPLE_CHUNK, SCHEMA_VERSION, STORE_FILE, ResultStore

__all__ = [
    "SAMPLE_CHUNK",
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
