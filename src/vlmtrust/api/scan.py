"""``vlmtrust.scan(...)``: ``vlmtrust scan`` as a function. The CLI and the API both go through
``ScanOptions`` (``vlmtrust.runner.options``, which a plan's scans use too),
``run_scan`` and ``judge_gates``, so an option means the same in
both and a bad one is the same one-line error (the API raises it, the CLI prints it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from os import PathLike
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.runner.options import GateBoundName, ScanOptions

if TYPE_CHECKING:
    from vlmtrust.api.run import Run
    from vlmtrust.report.gates import GateResult
    from vlmtrust.runner.run import RunSummary

#: a comma-separated string as on the command line, or one name (or spec) per item
Names = str | Sequence[str] | None
PathArg = str | PathLike[str]

__all__ = ["GateBoundName", "ScanOptions", "judge_gates", "run_scan", "scan", "scan_options"]


def run_scan(options: ScanOptions) -> RunSummary:
    """Run the scan; its gates and baseline are checked before it starts, so a bad one stops
    it before anything runs (``judge_gates`` judges them after)."""
    from vlmtrust.report.gates import parse_gate
    from vlmtrust.runner import run

    for text in options.fail_on:
        parse_gate(text)
    if options.baseline is not None:
        from vlmtrust.store import ResultStore

        ResultStore.open_existing(options.baseline).close()
    with _library_bars_off(options.quiet):
        return run(options.run_config())


@contextmanager
def _library_bars_off(quiet: bool) -> Iterator[None]:
    """A quiet scan hides transformers' weight-loading bars too (the CLI does it by environment
    before transformers is imported; a notebook has imported it already), then restores them."""
    if not quiet:
        yield
        return
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def judge_gates(options: ScanOptions, summary: RunSummary) -> list[GateResult]:
    """The ``fail_on`` gates judged on the scan's rows (against ``baseline`` where given)."""
    from vlmtrust.report.gates import evaluate, parse_gate

    against = None
    if options.baseline is not None:
        from vlmtrust.report.baseline import Baseline

        against = Baseline.load(options.baseline, [options.out])
    gates = [parse_gate(text) for text in options.fail_on]
    return evaluate(gates, summary.metrics, options.gate_bound, against)


def scan(
    model: str,
    *,
    out: PathArg,
    suite: Names = None,
    tasks: Names = None,
    data: PathArg | None = None,
    mitigate: Names = None,
    limit: int | None = None,
    seed: int = 0,
    batch_size: int = 32,
    on_bad_data: Literal["skip", "fail"] = "fail",
    fail_on: Sequence[str] = (),
    gate_bound: GateBoundName = "conservative",
    baseline: PathArg | None = None,
    max_image_pixels: int = DEFAULT_MAX_PIXELS,
    severity: PathArg | None = None,
    executor: str = "local",
    address: str | None = None,
    quiet: bool = False,
    budget_s: float | None = None,
    recompute: bool = False,
) -> Run:
    """Scan ``model`` like ``vlmtrust scan`` and return the ``Run`` in ``out``.

    Options mean what the CLI's do (``vlmtrust scan --help``); ``suite`` and ``mitigate`` take
    the CLI's comma-separated text or a list, ``tasks`` a list of ``name:key=value`` specs.
    Re-running into the same ``out`` reuses every stored result. A violated ``fail_on`` gate
    does not raise: it shows in ``run.summary.gates`` (``run.summary.passed`` is False).
    Bad input raises a one-line ``vlmtrust.core.errors.VlmtrustError``.
    """
    from vlmtrust.api.run import from_scan

    options = scan_options(
        model=model,
        out=out,
        suite=_names(suite),
        tasks=_specs(tasks),
        mitigate=_variants(mitigate),
        data=data,
        limit=limit,
        seed=seed,
        batch_size=batch_size,
        on_bad_data=on_bad_data,
        fail_on=tuple([fail_on] if isinstance(fail_on, str) else fail_on),
        gate_bound=gate_bound,
        baseline=baseline,
        max_image_pixels=max_image_pixels,
        severity=severity,
        executor=executor,
        address=address,
        quiet=quiet,
        budget_s=budget_s,
        recompute=recompute,
    )
    summary = run_scan(options)
    return from_scan(summary, judge_gates(options, summary))


def scan_options(**values: object) -> ScanOptions:
    """Validated options; a wrong type or value is one ConfigError line naming the option."""
    try:
        return ScanOptions.model_validate(values)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "options"
        raise ConfigError(
            f"bad scan option {where}: {first['msg']}", "see help(vlmtrust.scan)"
        ) from None


def _names(value: Names) -> tuple[str, ...]:
    """``"a,b"`` (the CLI's text) or ``["a", "b"]``."""
    if value is None:
        return ()
    return tuple(value.split(",")) if isinstance(value, str) else tuple(value)


def _specs(value: Names) -> tuple[str, ...]:
    """One spec string, or a list of them (a spec's own commas separate its parameters)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _variants(value: Names) -> tuple[str, ...]:
    """``--mitigate`` text (commas between variants) or one variant per item."""
    from vlmtrust.core.spec import split_variants

    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(split_variants(value))
    return tuple(value)
