"""Checks on the paths a command will write (``--out``), run before any work starts.

Without them a bad path surfaces late and as a traceback: ``FileExistsError`` from ``mkdir``
when ``--out`` is a file, ``NotADirectoryError`` when it lies under one, ``IsADirectoryError``
when a report would replace a directory. Each becomes one ConfigError line naming the path.
"""

from __future__ import annotations

import os
from pathlib import Path

from vlmtrust.core.errors import ConfigError


def check_output_dir(path: Path, option: str = "--out") -> None:
    """``path`` is a directory to create or reuse: not a file, under no file, writable."""
    try:
        if path.exists() and not path.is_dir():
            raise ConfigError(
                f"{option} {path} is a file, not a directory",
                "pass a directory (a new one, or a run directory to resume)",
            )
        _check_ancestors(path, option)
        _check_writable(path if path.is_dir() else _nearest_existing(path), path, option)
    except PermissionError as err:
        raise _denied(path, option, err) from err


def check_output_file(path: Path, option: str = "--out", make_parents: bool = True) -> None:
    """``path`` is a file to write (or replace): not a directory, under no file, in a writable
    directory; with ``make_parents=False`` its directory must exist already."""
    try:
        if path.is_dir():
            raise ConfigError(f"{option} {path} is a directory", "name a file to write")
        _check_ancestors(path, option)
        parent = path.parent
        if not parent.is_dir():
            if not make_parents:
                raise ConfigError(
                    f"{option} {path}: directory {parent} does not exist",
                    "create it first or write somewhere else",
                )
            parent = _nearest_existing(path)
        _check_writable(parent, path, option)
    except PermissionError as err:
        raise _denied(path, option, err) from err


def _check_ancestors(path: Path, option: str) -> None:
    """The nearest existing ancestor must be a directory (``somefile/run`` cannot be made)."""
    ancestor = _nearest_existing(path)
    if not ancestor.is_dir():
        raise ConfigError(
            f"{option} {path} is under {ancestor}, which is a file",
            "choose a path under a directory",
        )


def _nearest_existing(path: Path) -> Path:
    for ancestor in path.absolute().parents:
        if ancestor.exists():
            return ancestor
    return Path(path.absolute().anchor)


def _check_writable(directory: Path, path: Path, option: str) -> None:
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{option} {path}: permission denied (cannot write in {directory})",
            "choose a directory you can write to",
        )


def _denied(path: Path, option: str, err: PermissionError) -> ConfigError:
    where = f" ({err.filename})" if err.filename else ""
    return ConfigError(
        f"{option} {path}: permission denied{where}", "choose a directory you can write to"
    )
