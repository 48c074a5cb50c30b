"""What a scan creates under ``--out``, so a scan that fails before storing anything leaves no
run directory behind: an empty ``results.sqlite`` would read as a run to the next command.

Only what the scan itself made is removed: the store file (with SQLite's ``-wal``, ``-shm``
and ``-journal`` files) when it did not exist before, then the directories it made, deepest
first, while they are empty. A store that existed before (a resumed run) is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vlmtrust.store.sqlite import STORE_FILE

_SQLITE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class CreatedPaths:
    store: Path
    store_is_new: bool
    #: the run directory and any parents the scan will make, deepest first
    new_dirs: tuple[Path, ...]

    @classmethod
    def before_scan(cls, out: Path) -> CreatedPaths:
        new_dirs: list[Path] = []
        for directory in (out, *out.parents):
            if directory.exists():
                break
            new_dirs.append(directory)
        store = out / STORE_FILE
        return cls(store=store, store_is_new=not store.exists(), new_dirs=tuple(new_dirs))

    def remove(self) -> None:
        """Delete the new store and the new, empty directories; anything else stays."""
        if not self.store_is_new:
            return
        for suffix in _SQLITE_FILES:
            self.store.with_name(self.store.name + suffix).unlink(missing_ok=True)
        for directory in self.new_dirs:
            try:
                directory.rmdir()
            except OSError:
                return  # not empty (something else was put there) or already gone
