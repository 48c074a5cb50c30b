"""A rich progress bar with rate and ETA; silent when the console is quiet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Results per second, which a user compares across models and machines."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- /s" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")


@contextmanager
def scan_progress(console: Console, total: int) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callback driving one bar over ``total`` results."""
    progress = Progress(
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        disable=console.quiet,
    )
    with progress:
        bar = progress.add_task("scan", total=total)
        yield lambda n: progress.advance(bar, n)
