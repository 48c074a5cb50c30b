"""Run the real ``vlmtrust`` entry point in-process: the same error handling as the installed
command (``main()``, not just the Typer app), with its exit code and everything it printed."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from vlmtrust.cli.main import main


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """``vlmtrust ARGS``; an exception escaping ``main()`` propagates (that is a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["vlmtrust", *args]
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.argv = argv
    return CliResult(code, out.getvalue(), err.getvalue())
