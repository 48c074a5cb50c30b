"""The decision log: rows written and read back through a real SQLite file in WAL mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.serve.guard_proxy.decision_log import Decision, DecisionLog


def test_rows_round_trip_in_wal_mode(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "sub" / "d.db")
    first = Decision("ab" * 32, "block", "input", "prompt P(harmful)=0.90", 12.5)
    second = Decision("cd" * 32, "pass", "output", "", 3.0, prompt="hello")
    log.write(first)
    log.write(second)
    assert log.rows() == [first, second]
    log.close()
    with sqlite3.connect(tmp_path / "sub" / "d.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT count(*) FROM decisions WHERE ts > 0").fetchone() == (2,)


def test_an_unwritable_path_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot open the decision log"):
        DecisionLog(tmp_path / "file" / "d.db")
