"""User-facing errors: one line naming the problem and the fix; the CLI maps them to exit 2."""

from __future__ import annotations


class VlmtrustError(Exception):
    """A problem the user can fix (bad input, missing file, wrong capability).

    The CLI prints ``str(err)`` on one line and exits 2 without a traceback, so the message
    must say both what is wrong and what to do about it.
    """

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}; {fix}" if fix else problem)


class ConfigError(VlmtrustError):
    """Malformed command-line options, specs or parameters."""


class RegistryError(VlmtrustError):
    """Unknown or duplicate plugin name."""


class CapabilityError(VlmtrustError):
    """The model lacks a capability a task needs (e.g. a Generator for a safety task)."""


class ModelLoadError(VlmtrustError):
    """A model spec cannot be resolved or loaded (missing path, unsupported architecture)."""


class DataError(VlmtrustError):
    """A dataset is missing, malformed, or holds unreadable images."""


class StoreError(VlmtrustError):
    """The results store is unreadable or from an incompatible schema version."""
