"""The proxy's decision log: one SQLite row per guard decision, for audits.

What a row holds is chosen so the log can be shared with whoever audits the guard: a hash of the
request (to match a complaint to its decision), the verdict, the stage, the reason, the latency
and the time. It never holds API keys or image bytes (neither is ever passed here), and the text
of a request only when the policy opts in (``log_prompts``). WAL mode lets readers look while
the proxy writes; writes are serialised by a lock because requests are screened in threads.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from vlmtrust.core.errors import ConfigError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    request_hash TEXT NOT NULL,
    verdict TEXT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    prompt TEXT
)
"""


@dataclass(frozen=True)
class Decision:
    """One guard decision as logged (``prompt`` is None unless the policy opts in)."""

    request_hash: str
    verdict: str
    stage: str
    reason: str
    latency_ms: float
    prompt: str | None = None


class DecisionLog:
    """Append-only decision rows in a SQLite file (created with its folder when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise ConfigError(
                f"cannot open the decision log {path} ({err})", "give a writable --log path"
            ) from err

    def write(self, decision: Decision) -> None:
        row = (
            time.time(),
            decision.request_hash,
            decision.verdict,
            decision.stage,
            decision.reason,
            decision.latency_ms,
            decision.prompt,
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO decisions (ts, request_hash, verdict, stage, reason, latency_ms, "
                "prompt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def rows(self) -> list[Decision]:
        """Every logged decision, oldest first."""
        with self._lock:
            found = self._db.execute(
                "SELECT request_hash, verdict, stage, reason, latency_ms, prompt "
                "FROM decisions ORDER BY id"
            ).fetchall()
        return [Decision(*row) for row in found]

    def close(self) -> None:
        with self._lock:
            self._db.close()
