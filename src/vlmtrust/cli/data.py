"""``vlmtrust data list`` and ``vlmtrust data check NAME PATH``: which data sets ``--data`` reads
(what each expects, feeds, where to get it, its licence), and whether a local copy is one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from vlmtrust.cli import terminal
from vlmtrust.cli.errors import user_errors

data_app = typer.Typer(no_args_is_help=True, help="Data sources: the data sets --data reads.")


@data_app.command("list")
def data_list(ctx: typer.Context) -> None:
    """Every registered data source: what it expects, what it feeds, where to get it, licence."""
    with user_errors(ctx):
        from vlmtrust.plugins import DATA_SOURCES

        console = terminal.console()
        for entry in DATA_SOURCES.entries():
            source = DATA_SOURCES.get(entry.name)
            console.print(f"[bold]{escape(entry.name)}[/]  {escape(entry.description)}")
            for what, text in (
                ("expects", source.expects),
                ("feeds", source.feeds),
                ("get it", source.get_it),
                ("licence", source.licence),
            ):
                console.print(escape(f"    {what + ':':<9} {text or '-'}"), highlight=False)
        console.print("`vlmtrust data check NAME PATH` validates a local copy", highlight=False)


@data_app.command("check")
def data_check(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="a data source (vlmtrust data list)")],
    path: Annotated[Path | None, typer.Argument(help="your local copy")] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="list unreadable images instead of failing on one")
    ] = False,
) -> None:
    """Read PATH as data source NAME, as a scan would: print its rows per split and category,
    its fingerprint and any warning (a short copy); a wrong layout is a one-line error, exit 2."""
    with user_errors(ctx):
        from vlmtrust.data.source import LoadOptions
        from vlmtrust.plugins import DATA_SOURCES

        options = LoadOptions(on_bad="skip" if skip_bad else "fail")
        source = DATA_SOURCES.get(name).open("" if path is None else str(path), options)
        summary = source.summary()
        console = terminal.console()
        if summary is None:
            console.print(f"{escape(name)}: generated data, no copy to check", highlight=False)
            return
        console.print(
            escape(f"{name}: {summary.size} rows, fingerprint {summary.fingerprint}"),
            highlight=False,
        )
        table = Table("split", "category", "rows")
        for split, categories in summary.counts.items():
            for category, rows in categories.items():
                table.add_row(escape(split), escape(category), str(rows))
        console.print(table)
        for warning in summary.warnings:
            console.print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
        for bad in source.skipped:
            console.print(f"[yellow]skipped[/] {escape(f'{bad.path}: {bad.reason}')}")
