"""Read a run's SQLite store from outside the scan writing it: the interrupt and Ray tests poll
the row count while a scan runs and compare whole stores afterwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def stored_count(out: Path) -> int:
    """Result rows stored so far; 0 before the store or its table exists."""
    path = out / "results.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=10)
    try:
        return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def stored_content(out: Path) -> tuple[list[Any], list[Any]]:
    """Every result and metric row in a stable order, after checking the file is not corrupt."""
    db = sqlite3.connect(out / "results.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        results = db.execute("SELECT * FROM results ORDER BY key").fetchall()
        metrics = db.execute("SELECT * FROM metrics ORDER BY task, attack, metric").fetchall()
        return results, metrics
    finally:
        db.close()
