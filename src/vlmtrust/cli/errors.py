"""User errors become one line and exit code 2; ``--debug`` shows the traceback instead."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click
import typer

from vlmtrust.core.errors import VlmtrustError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def debug_enabled() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and isinstance(root.obj, dict) and root.obj.get("debug"))


def user_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so a VlmtrustError prints ``error: ...`` and exits 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except VlmtrustError as err:
            if debug_enabled():
                raise
            print(f"error: {err}", file=sys.stderr)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except KeyboardInterrupt:
            if debug_enabled():
                raise
            print(
                "interrupted: every finished batch is stored; re-run the same command to resume",
                file=sys.stderr,
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper
