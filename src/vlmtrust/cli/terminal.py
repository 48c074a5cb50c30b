"""The CLI's consoles: the terminal's width on a terminal, no width limit in a pipe.

Rich sizes a console that is not a terminal to 80 columns and cuts table cells to fit
("fairness.c..."), which ruins CI logs; piped output is read whole or grepped, so there it is
as wide as its longest row.
"""

from __future__ import annotations

from rich.console import Console

#: wider than any row the CLI prints, so a pipe never cuts a cell
PIPE_WIDTH = 10_000


def console(stderr: bool = False, quiet: bool = False) -> Console:
    """A console on stdout (or stderr) that truncates only to fit a real terminal."""
    probe = Console(stderr=stderr, quiet=quiet)
    if probe.is_terminal:
        return probe
    return Console(stderr=stderr, quiet=quiet, width=PIPE_WIDTH)
