"""Content digests of large files, remembered by their stat, so a multi-gigabyte checkpoint is
hashed once and not on every scan (a 7B model's 14 GB take tens of seconds to hash; a scan's
fingerprint needs them each time it starts).

A file's sha256 is reused while its path, size, modification time (ns), inode and device are
unchanged: the rule git uses for its index. A file rewritten in place with the same size within
the same nanosecond timestamp would be missed; anything a user does by copying, downloading or
saving a checkpoint changes the mtime. Small files are always hashed (cheaper than a lookup).
The table lives beside the artifact cache (``$VLMTRUST_CACHE/digests.sqlite``); when it cannot be
opened or written, the digest is computed and nothing is remembered.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vlmtrust.store.artifacts import default_root

#: files below this many bytes are hashed every time
REMEMBER_FROM = 8 * 2**20
_SCHEMA = """CREATE TABLE IF NOT EXISTS digests (
    path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL, device INTEGER NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (path, size, mtime_ns, inode, device))"""


def file_sha256(path: Path) -> str:
    """The hex sha256 of ``path``'s content (remembered for large files, see the module)."""
    stat = path.stat()
    if stat.st_size < REMEMBER_FROM:
        return _hash(path)
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev)
    try:
        with _connect() as db:
            found = db.execute(
                "SELECT sha256 FROM digests WHERE path=? AND size=? AND mtime_ns=? AND inode=? "
                "AND device=?",
                key,
            ).fetchone()
        if found:
            return str(found[0])
    except (sqlite3.Error, OSError):
        return _hash(path)
    digest = _hash(path)
    try:
        with _connect() as db:
            db.execute("DELETE FROM digests WHERE path=?", key[:1])
            db.execute("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?, ?)", (*key, digest))
    except (sqlite3.Error, OSError):
        pass  # an unwritable cache only costs the next scan a re-hash
    return digest


def _hash(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@contextmanager
def _connect() -> Iterator[sqlite3.Connection]:
    """One short transaction on the table, committed and closed."""
    root = default_root().parent
    root.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(root / "digests.sqlite", timeout=30)
    try:
        with db:
            db.execute(_SCHEMA)
            yield db
    finally:
        db.close()
