"""The thin glue between ``vlmtrust sanitize`` and the pipeline: options, progress, summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.sanitize.pipeline import SanitizeOptions, sanitize


def run_sanitize(
    data: str,
    out: Path,
    dedup: str,
    ocr: bool,
    faces: bool,
    on_bad_data: str,
    quiet: bool,
    max_image_pixels: int = DEFAULT_MAX_PIXELS,
    caption_threshold: float = 0.7,
    caption_match: str = "chars_or_words",
    executor: str = "local",
    address: str | None = None,
) -> None:
    console = Console(stderr=True, quiet=quiet)
    options = SanitizeOptions.model_validate(
        {
            "dedup": dedup,
            "ocr": ocr,
            "faces": faces,
            "on_bad_data": on_bad_data,
            "max_image_pixels": max_image_pixels,
            "caption_threshold": caption_threshold,
            "caption_match": caption_match,
        }
    )
    with _bar(console) as start:
        summary = sanitize(
            data,
            out,
            options,
            progress=start,
            report_bad=console.print,
            executor=executor,
            address=address,
        )
    console.print(
        f"{summary.rows_in} rows in, {summary.rows_out} out ({summary.duplicates} near-duplicates"
        f" dropped, {summary.bad_images} unreadable skipped); {summary.audit_rows} audit rows in "
        f"{summary.out / 'audit.jsonl'}"
    )
    if summary.cross_split:
        console.print(
            f"{summary.cross_split} images duplicate an image of another split (train/test "
            "leakage), kept and listed as cross_split_duplicate in the audit"
        )


@contextmanager
def _bar(console: Console) -> Iterator[Callable[[int], Callable[[int], None]]]:
    """The bar appears when the pipeline starts counting, so an error before that (a bad --out,
    no labels) is the only line printed, not an empty progress display before it."""
    progress = Progress(
        TextColumn("[bold]sanitizing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=console.quiet,
    )
    with ExitStack() as shown:

        def start(total: int) -> Callable[[int], None]:
            shown.enter_context(progress)
            bar: Any = progress.add_task("sanitize", total=total)
            return lambda n: progress.advance(bar, n)

        yield start
