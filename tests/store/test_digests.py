"""Large files are hashed once and remembered by their stat; a changed file is hashed again;
a cache that cannot be written costs only a re-hash."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

from vlmtrust.store import digests
from vlmtrust.store.digests import REMEMBER_FROM, file_sha256


def _big(path: Path, fill: bytes) -> Path:
    path.write_bytes(fill * REMEMBER_FROM)
    return path


def _table(cache: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(cache / "digests.sqlite") as db:
        return db.execute("SELECT path, sha256 FROM digests").fetchall()


def test_a_large_file_is_hashed_once_and_its_digest_reused_while_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTRUST_CACHE", str(tmp_path / "cache"))
    weights = _big(tmp_path / "model.safetensors", b"a")
    truth = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert file_sha256(weights) == truth
    assert _table(tmp_path / "cache") == [(str(weights.resolve()), truth)]
    # what is remembered is what is returned while the stat is unchanged (planted here)
    with sqlite3.connect(tmp_path / "cache" / "digests.sqlite") as db:
        db.execute("UPDATE digests SET sha256 = 'remembered'")
    assert file_sha256(weights) == "remembered"
    # rewritten (new mtime): hashed again, one row per path
    _big(weights, b"b")
    os.utime(weights, ns=(1, 2))
    changed = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert file_sha256(weights) == changed
    assert _table(tmp_path / "cache") == [(str(weights.resolve()), changed)]


def test_small_files_are_never_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("VLMTRUST_CACHE", str(tmp_path / "cache"))
    small = tmp_path / "config.json"
    small.write_text("{}")
    assert file_sha256(small) == hashlib.sha256(b"{}").hexdigest()
    assert not (tmp_path / "cache").exists()


def test_an_unusable_cache_still_gives_the_right_digest(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("VLMTRUST_CACHE", str(blocker))
    weights = _big(tmp_path / "model.safetensors", b"c")
    assert file_sha256(weights) == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert digests.default_root().parent == blocker
