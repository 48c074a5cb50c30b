"""One containment rule for every file a user's data or spec names (an image in ``labels.csv``,
a trigger patch, a canary file, an output image of ``sanitize``).

A dataset is often someone else's: a ``file`` cell holding ``../../.ssh/id_rsa`` or
``/etc/passwd``, or a symlink out of the folder, must not make vlmtrust read that file into a
shareable report, nor write over it. So a named path is resolved (``..`` and symlinks followed)
and refused unless it stays inside the root it belongs to. The refusal is decided before the
file system is asked whether the target exists, and its message never says, so it cannot be
used to probe for files outside the root.
"""

from __future__ import annotations

import os
from pathlib import Path

from vlmtrust.core.errors import DataError


class OutsideRoot(DataError):
    """A named path resolves outside the folder it must stay in."""


def inside(
    root: Path, name: str | os.PathLike[str], what: str = "path", fix: str | None = None
) -> Path:
    """``root / name``, resolved, or :class:`OutsideRoot` when that leaves ``root``.

    ``name`` may be relative (to ``root``) or absolute; either way the resolved path (every
    symlink followed, including one at the end) must lie under the resolved ``root``. The result
    is the resolved path, so a later open cannot be redirected by a symlink swapped in between
    the check and the use of a parent folder.
    """
    text = os.fspath(name)
    if "\x00" in text:
        raise OutsideRoot(f"{what} {text!r} holds a NUL character", "fix the name")
    base = root.resolve()
    target = (base / text).resolve()
    if target != base and base not in target.parents:
        raise OutsideRoot(
            f"{what} {text!r} points outside {root}",
            fix
            or f"keep the files it names inside {root} (no '..', absolute paths or symlinks out)",
        )
    return target


def user_file(name: str | os.PathLike[str], what: str) -> Path:
    """A file named in a plugin's parameters (``patch=``, ``canary_file=``...): resolved from the
    working directory and kept inside it, so a shared scan plan cannot read files elsewhere."""
    cwd = Path.cwd()
    fix = "run vlmtrust from a folder that holds the file (or copy the file under this folder)"
    return inside(cwd, name, what, fix)
