"""Lazy imports of the ``private`` extra, as a one-line error naming the install when missing."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from vlmtrust.core.errors import ConfigError

INSTALL_FIX = "pip install 'vlmtrust[private]' (TenSEAL and MPyC are an optional extra)"


def import_extra(module: str, needed_by: str) -> ModuleType:
    """``module`` imported, or a ConfigError saying ``needed_by`` needs the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ConfigError(
            f"{needed_by} needs the {module} package, which is not installed", INSTALL_FIX
        ) from err


def require_extra(module: str, needed_by: str) -> None:
    """Check ``module`` is installed without importing it: importing MPyC parses the process's
    command line as its own, so only the party processes import it."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigError(
            f"{needed_by} needs the {module} package, which is not installed", INSTALL_FIX
        )
