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

from vlmtrust.core.unit_progress import listening


class RateColumn(ProgressColumn):
    """Results per second, which a user compares across models and machines."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- /s" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")


@contextmanager
def scan_progress(console: Console, total: int) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callback driving one bar over ``total`` results; where the
    running unit is (:func:`vlmtrust.core.unit_progress.report_step`: a step, a round) shows
    after the bar until the unit ends."""
    progress = Progress(
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[step]}"),
        console=console,
        disable=console.quiet,
    )
    with progress:
        bar = progress.add_task("scan", total=total, step="")

        def advance(n: int) -> None:
            progress.update(bar, advance=n, step="")

        with listening(lambda where: progress.update(bar, step=where, refresh=True)):
            yield advance
