"""User errors become one line and exit code 2; ``--debug`` shows the traceback instead."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from vlmtrust.core.errors import VlmtrustError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


@contextmanager
def user_errors(ctx: typer.Context) -> Iterator[None]:
    """Run a command body so a VlmtrustError prints ``error: ...`` and exits 2, and Ctrl-C
    says how to resume and exits 130."""
    root = ctx.find_root().obj
    debug = bool(isinstance(root, dict) and root.get("debug"))
    try:
        yield
    except VlmtrustError as err:
        if debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        if debug:
            raise
        print(
            "interrupted: every finished batch is stored; re-run the same command to resume",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
