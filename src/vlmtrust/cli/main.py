"""``vlmtrust``: scan, list, report, demo, data."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from vlmtrust.cli import terminal
from vlmtrust.cli.errors import OneLineErrors, user_errors
from vlmtrust.core.allocator import tune_allocator
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.report.formats import HistoryFormat, ReportFormat

app = typer.Typer(
    cls=OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    help="Scan vision-language models for trustworthiness problems, mitigate, and re-measure.",
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"vlmtrust {version('vlmtrust')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="show tracebacks for errors")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="print version"),
    ] = False,
) -> None:
    ctx.obj = {"debug": debug}


class OnBadData(StrEnum):
    skip = "skip"
    fail = "fail"


class GateBound(StrEnum):
    conservative = "conservative"
    upper_end = "upper"  # not `upper`: str.upper would be shadowed
    lower_end = "lower"
    point = "point"


FAIL_ON_HELP = (
    'CI gate, repeatable: "TASK[attack=..,mitigation=..].METRIC>0.1" (ops > >= < <=); '
    "exit 1 when violated"
)
MAX_PIXELS_HELP = "refuse images with more pixels (checked from the header: decompression bombs)"
SEVERITY_HELP = (
    "TOML file overriding the default severity thresholds that make rows findings "
    "(vlmtrust/metrics/severity.toml documents them)"
)
BOUND_HELP = "which number a gate compares: conservative (upper for >, lower for <), or one"
BASELINE_HELP = (
    "a run directory to gate against: thresholds may then read baseline+0.02 "
    "(judged with the paired test on the samples both runs scored)"
)
MLFLOW_HELP = (
    "MLflow tracking URI: log parameters, every metric row and the HTML/JSON reports "
    "(needs vlmtrust[mlflow])"
)
EXPERIMENT_HELP = "MLflow experiment the run is logged under"
PLAN_HELP = "a scan plan (TOML; see `Scan plans` in docs/scanning.md)"
DRY_RUN_HELP = "list what would run and what is stored; run and write nothing"
EXECUTOR_HELP = (
    "where units run: local (this process) or 'ray:workers=2,cpus=1,retries=2' "
    "(Ray actors; pip install 'vlmtrust[ray]')"
)
SANITIZE_EXECUTOR_HELP = (
    "where the row-wise work runs: local or 'ray:workers=2,cpus=1' (Ray Data tasks; the same "
    "output; pip install 'vlmtrust[ray]')"
)
ADDRESS_HELP = "HOST:PORT of a running Ray cluster for --executor ray (default: start one here)"
EXIT_GATE_VIOLATED = 1


def _report_gates(results: list[Any], quiet: bool = False) -> None:
    """Print each gate on stderr; exit 1 when one is violated (after the report is written)."""
    console = Console(stderr=True, quiet=quiet)
    for result in results:
        colour = {"pass": "green", "warn": "yellow", "fail": "red"}[result.status]
        # the message is text, not markup: a selector such as [attack=figstep] must show
        line = f"[{colour}]gate {result.status}[/] {escape(result.message())}"
        console.print(line, highlight=False, soft_wrap=True)
    if any(r.violated for r in results):
        raise typer.Exit(EXIT_GATE_VIOLATED)


@app.command()
def scan(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="zoo:NAME, hf:/path/to/model or openai:URL#MODEL")],
    out: Annotated[Path, typer.Option(help="run directory; re-using it resumes the scan")],
    suite: Annotated[str | None, typer.Option(help="comma-separated pillars or task names")] = None,
    task: Annotated[
        list[str] | None, typer.Option(help="a task with parameters, name:key=value,... (repeat)")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="your dataset: image folder + labels, or HF save_to_disk (detected); "
            "NAME:PATH names a data source (see `vlmtrust list`); default: the synthetic world"
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="at most N samples per task")] = None,
    seed: Annotated[int, typer.Option(help="seed for generated data and attacks")] = 0,
    batch_size: Annotated[int, typer.Option(min=1, help="samples per model call")] = 32,
    on_bad_data: Annotated[
        OnBadData, typer.Option(help="skip unreadable images (listing them) or fail")
    ] = OnBadData.fail,
    mitigate: Annotated[
        list[str] | None,
        typer.Option(help="mitigation variants, comma-separated or repeated; a+b composes"),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="no progress output")] = False,
    fail_on: Annotated[list[str] | None, typer.Option(help=FAIL_ON_HELP)] = None,
    gate_bound: Annotated[GateBound, typer.Option(help=BOUND_HELP)] = GateBound.conservative,
    baseline: Annotated[Path | None, typer.Option(help=BASELINE_HELP)] = None,
    max_image_pixels: Annotated[
        int, typer.Option(min=1, help=MAX_PIXELS_HELP)
    ] = DEFAULT_MAX_PIXELS,
    severity: Annotated[Path | None, typer.Option(help=SEVERITY_HELP)] = None,
    mlflow: Annotated[str | None, typer.Option(help=MLFLOW_HELP)] = None,
    mlflow_experiment: Annotated[str, typer.Option(help=EXPERIMENT_HELP)] = "vlmtrust",
    executor: Annotated[str, typer.Option(help=EXECUTOR_HELP)] = "local",
    address: Annotated[str | None, typer.Option(help=ADDRESS_HELP)] = None,
    budget_s: Annotated[
        float | None,
        typer.Option(
            min=1,
            help="opt-in wall-time budget: seconds each expensive task (trigger and gradient "
            "inversion, red teaming, LiRA shadows) may take, its work cut to the model's "
            "measured cost to fit; default: a fixed work budget in FLOPs (the same cut on any "
            "machine)",
        ),
    ] = None,
    recompute: Annotated[
        bool,
        typer.Option(
            help="run every result again and replace the stored ones, instead of reusing "
            "what OUT holds (check that a scan reproduces; the default reuses)",
        ),
    ] = False,
) -> None:
    """Scan a model; results go to OUT/results.sqlite and survive interruption."""
    results: list[Any] = []
    with user_errors(ctx):
        from vlmtrust.api.scan import ScanOptions, judge_gates, run_scan
        from vlmtrust.core.spec import split_variants

        if mlflow is not None:
            from vlmtrust.report.tracking import check_tracking

            check_tracking(mlflow)  # a dead tracking server fails before the scan
        options = ScanOptions(
            model=model,
            out=out,
            suite=tuple((suite or "").split(",")),
            tasks=tuple(task or ()),
            mitigate=tuple(v for text in mitigate or () for v in split_variants(text)),
            data=data,
            limit=limit,
            seed=seed,
            batch_size=batch_size,
            on_bad_data=on_bad_data.value,
            max_image_pixels=max_image_pixels,
            severity=severity,
            fail_on=tuple(fail_on or ()),
            gate_bound=gate_bound.value,
            baseline=baseline,
            quiet=quiet,
            executor=executor,
            address=address,
            budget_s=budget_s,
            recompute=recompute,
        )
        summary = run_scan(options)
        console = terminal.console(stderr=True, quiet=quiet)
        console.print(
            f"reused {summary.reused} of {summary.planned} results, ran {summary.executed} "
            f"({summary.model_calls} model calls); results in {summary.out / 'results.sqlite'}"
        )
        from vlmtrust.report.console import metric_table

        console.print(metric_table(summary.metrics))
        from vlmtrust.report.console import top_findings

        console.print(top_findings(summary.findings))
        results = judge_gates(options, summary)
        if mlflow is not None:
            from vlmtrust.report.tracking import log_run

            run_id = log_run(out, mlflow, mlflow_experiment, results)
            typer.echo(f"logged to MLflow run {run_id} (experiment {mlflow_experiment})", err=True)
    _report_gates(results)


@app.command("run")
def run_plan(
    ctx: typer.Context,
    plan: Annotated[Path, typer.Argument(help=PLAN_HELP)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    quiet: Annotated[bool, typer.Option(help="no progress output")] = False,
) -> None:
    """Run every model x data x task x mitigation of a plan file, each model into its own run
    directory under the plan's out (`vlmtrust report OUT` shows them all); re-running reuses
    every stored result, and the plan's gates exit 1 when violated."""
    results: list[Any] = []
    with user_errors(ctx):
        from vlmtrust.cli.plan import execute_plan

        results = execute_plan(plan, dry_run, quiet)
    _report_gates(results)


class DedupMode(StrEnum):
    both = "both"
    caption = "caption"
    image = "image"


class CaptionMatchMode(StrEnum):
    chars_or_words = "chars-or-words"
    chars = "chars"


@app.command()
def sanitize(
    ctx: typer.Context,
    data: Annotated[
        str,
        typer.Argument(
            help="image folder with labels.jsonl or labels.csv, or a published caption set: "
            "coco_captions:ROOT or flickr30k:ROOT (written back in its own layout)"
        ),
    ],
    out: Annotated[Path, typer.Option(help="new directory for the sanitized copy")],
    dedup: Annotated[
        DedupMode, typer.Option(help="near-duplicate signal: caption AND image, or one")
    ] = DedupMode.both,
    ocr: Annotated[bool, typer.Option(help="cover PII text found in images by OCR")] = True,
    faces: Annotated[bool, typer.Option(help="blur faces")] = True,
    on_bad_data: Annotated[
        OnBadData, typer.Option(help="skip unreadable images (listing them) or fail")
    ] = OnBadData.fail,
    quiet: Annotated[bool, typer.Option(help="no progress output")] = False,
    max_image_pixels: Annotated[
        int, typer.Option(min=1, help=MAX_PIXELS_HELP)
    ] = DEFAULT_MAX_PIXELS,
    caption_threshold: Annotated[
        float,
        typer.Option(
            min=0.05,
            max=1.0,
            help="similarity at which two captions are near-duplicates: the larger of their "
            "character 4-shingle Jaccard and their share of unedited words (see --caption-match;"
            " lower catches more edited copies; measured trade-off in docs/privacy.md)",
        ),
    ] = 0.7,
    caption_match: Annotated[
        CaptionMatchMode,
        typer.Option(
            help="chars-or-words: a few whole words edited still match; chars: character "
            "Jaccard alone (stricter on short templated captions)"
        ),
    ] = CaptionMatchMode.chars_or_words,
    executor: Annotated[str, typer.Option(help=SANITIZE_EXECUTOR_HELP)] = "local",
    address: Annotated[str | None, typer.Option(help=ADDRESS_HELP)] = None,
) -> None:
    """Dedup, pseudonymise captions, cover PII in images, blur faces; audit every change.
    The input is never modified, and nothing is read outside DATA or written outside OUT;
    re-running after a crash resumes."""
    with user_errors(ctx):
        from vlmtrust.sanitize.cli import run_sanitize

        run_sanitize(
            data,
            out,
            dedup.value,
            ocr,
            faces,
            on_bad_data.value,
            quiet,
            max_image_pixels,
            caption_threshold,
            caption_match.value.replace("-", "_"),
            executor,
            address,
        )


@app.command("list")
def list_plugins(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(help="a task, attack, mitigation, data source or judge: its parameters"),
    ] = None,
) -> None:
    """Every model kind and zoo model, task, attack, mitigation, metric, data source and judge,
    one line each; with NAME, that plugin's parameters (type, default, description)."""
    with user_errors(ctx):
        from vlmtrust.cli.listing import print_overview, print_plugin

        if name is None:
            print_overview(terminal.console())
        else:
            print_plugin(terminal.console(), name)


@app.command()
def report(
    ctx: typer.Context,
    run_dirs: Annotated[list[Path], typer.Argument(help="run directories written by scan")],
    format: Annotated[
        ReportFormat | None,
        typer.Option(
            help="json, md, html, junit or github (default: from --out's suffix; else md)",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
    fail_on: Annotated[list[str] | None, typer.Option(help=FAIL_ON_HELP)] = None,
    gate_bound: Annotated[GateBound, typer.Option(help=BOUND_HELP)] = GateBound.conservative,
    baseline: Annotated[Path | None, typer.Option(help=BASELINE_HELP)] = None,
    severity: Annotated[Path | None, typer.Option(help=SEVERITY_HELP)] = None,
    report_url: Annotated[
        str | None,
        typer.Option(help="--format github: link to the full report (e.g. the CI run's artifacts)"),
    ] = None,
    mlflow: Annotated[
        str | None, typer.Option(help="also log each run directory to this MLflow tracking URI")
    ] = None,
    mlflow_experiment: Annotated[str, typer.Option(help=EXPERIMENT_HELP)] = "vlmtrust",
) -> None:
    """Write a report from one or more run directories (reads only their stores); several
    directories are compared side by side."""
    results: list[Any] = []
    with user_errors(ctx):
        from vlmtrust.core.outputs import check_output_file
        from vlmtrust.report.build import build_report
        from vlmtrust.report.formats import infer_format

        if out is not None:
            check_output_file(out)
        fmt = infer_format(format, out)
        text, results = build_report(
            run_dirs, fmt, fail_on or (), gate_bound.value, baseline, severity, report_url
        )
        if out is None:
            typer.echo(text, nl=False)
        else:
            from vlmtrust.report.write import write_atomically

            write_atomically(out, text)
            typer.echo(f"report written to {out}", err=True)
        if mlflow is not None:
            from vlmtrust.report.tracking import check_tracking, log_run

            check_tracking(mlflow)
            for run_dir in run_dirs:
                run_id = log_run(run_dir, mlflow, mlflow_experiment, results)
                typer.echo(f"{run_dir}: logged to MLflow run {run_id}", err=True)
    _report_gates(results)


@app.command()
def history(
    ctx: typer.Context,
    run_dirs: Annotated[
        list[Path], typer.Argument(help="two or more run directories of the same plan or model")
    ],
    format: Annotated[
        HistoryFormat | None,
        typer.Option(help="md, html or json (default: from --out's suffix, else md)"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
) -> None:
    """Trends over runs: each task's headline metric per run with 95% intervals, the change at
    each step (paired test where the runs scored the same samples), and the model fingerprint
    and commit of each run."""
    with user_errors(ctx):
        from vlmtrust.core.outputs import check_output_file
        from vlmtrust.report.formats import infer_history_format
        from vlmtrust.report.history import (
            history_html,
            history_json,
            history_markdown,
            load_history,
        )

        if out is not None:
            check_output_file(out)
        fmt = infer_history_format(format, out)
        found = load_history(run_dirs)
        render = {"md": history_markdown, "html": history_html, "json": history_json}[fmt.value]
        text = render(found)
        if out is None:
            typer.echo(text, nl=False)
        else:
            from vlmtrust.report.write import write_atomically

            write_atomically(out, text)
            typer.echo(f"history written to {out}", err=True)


@app.command()
def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="run directory")] = Path("runs/demo"),
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="samples per task for every scan (default: the demo's own)"),
    ] = None,
) -> None:
    """Scan the zoo models in all four pillars, mitigate, and write an HTML report; print its
    path, then the top findings."""
    with user_errors(ctx):
        from vlmtrust.demo import run_demo
        from vlmtrust.report.console import top_findings

        done = run_demo(out, limit=limit)
        typer.echo(f"report written to {done.report}")
        terminal.console().print(top_findings(done.findings))


@app.command()
def export(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="the base model: hf:/path/to/checkpoint")],
    mitigate: Annotated[str, typer.Option(help="the trainer (or a+b) whose fix to export")],
    out: Annotated[Path, typer.Option(help="a new folder for the fixed checkpoint")],
    adapter_only: Annotated[
        bool, typer.Option(help="write the LoRA adapter alone instead of merging it")
    ] = False,
    results: Annotated[
        Path | None,
        typer.Option(help="run directory of a scan with this mitigation: its rows go on the card"),
    ] = None,
) -> None:
    """Write the fixed model as a Hugging Face checkpoint with a model card (trains only if no
    scan has trained this mitigation on this model yet)."""
    with user_errors(ctx):
        from vlmtrust.runner.export import export as export_model

        done = export_model(model, mitigate, out, adapter_only=adapter_only, results=results)
        how = "LoRA merged" if done.merged else "weights as tuned"
        typer.echo(
            f"{done.base} + {done.mitigation} exported to {done.out} ({how}; "
            f"{done.compared_rows} before -> after rows on the card)"
        )


zoo_app = typer.Typer(no_args_is_help=True, help="The embedded model organisms.")
app.add_typer(zoo_app, name="zoo")


@zoo_app.command("serve")
def zoo_serve(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="a Generator model spec, e.g. zoo:assistant")],
    port: Annotated[int, typer.Option(min=0, max=65535, help="port (0: any free port)")] = 8000,
    host: Annotated[
        str, typer.Option(help="interface to listen on; 127.0.0.1 keeps it off the network")
    ] = "127.0.0.1",
    name: Annotated[
        str | None, typer.Option(help="model id clients ask for (default: the model's name)")
    ] = None,
    max_body_mb: Annotated[
        float, typer.Option(min=0.001, help="largest request body in MB; more is a 413")
    ] = 20.0,
    max_image_pixels: Annotated[
        int, typer.Option(min=1, help="largest image in pixels, read from its header; more: 400")
    ] = DEFAULT_MAX_PIXELS,
    max_concurrency: Annotated[
        int, typer.Option(min=1, help="requests handled or queued at once; more get a 429")
    ] = 8,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            help="require Authorization: Bearer KEY, KEY read from this environment variable "
            "(default: VLMTRUST_SERVE_API_KEY when set)"
        ),
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="allow a --host other than loopback")
    ] = False,
) -> None:
    """Serve a Generator model over an OpenAI-compatible API at http://HOST:PORT/v1."""
    with user_errors(ctx):
        from vlmtrust.serve.openai_server import serve_model
        from vlmtrust.serve.options import MB, ServeOptions, read_api_key

        options = ServeOptions(
            max_body_bytes=round(max_body_mb * MB),
            max_image_pixels=max_image_pixels,
            max_concurrency=max_concurrency,
            api_key=read_api_key(api_key_env),
        )
        serve_model(model, host, port, name, options=options, allow_remote=allow_remote)


def main() -> None:
    # Library progress bars and warnings (weight loading, tokenizer defaults) would bury ours.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    tune_allocator()  # the console script only: a host process keeps its own malloc settings
    app(prog_name="vlmtrust")


from vlmtrust.cli.judge import judge_app  # noqa: E402 (beside the other sub-apps)

app.add_typer(judge_app, name="judge")

from vlmtrust.cli.data import data_app  # noqa: E402 (beside the other sub-apps)

app.add_typer(data_app, name="data")

from vlmtrust.cli.guard import guard_app  # noqa: E402 (beside the other sub-apps)

app.add_typer(guard_app, name="guard")

from vlmtrust.cli.train import train_app  # noqa: E402 (beside the other sub-apps)

app.add_typer(train_app, name="train")


class ReviewOrder(StrEnum):
    """``review export --order``: the names of ``vlmtrust.review.ORDERS`` (that module is not
    imported at start-up)."""

    affected = "affected"
    uncertainty = "uncertainty"


review_app = typer.Typer(no_args_is_help=True, help="Human review of judged items.")
app.add_typer(review_app, name="review")


@review_app.command("export")
def review_export(
    ctx: typer.Context,
    run_dir: Annotated[Path, typer.Argument(help="run directory written by scan")],
    out: Annotated[Path, typer.Option(help="the CSV to write")],
    task: Annotated[str | None, typer.Option(help="only this task's items")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most N items, the first by --order")] = 200,
    order: Annotated[
        ReviewOrder,
        typer.Option(
            help="affected: undecided, then highest values first; uncertainty (active "
            "learning): undecided, then nearest the judge's decision threshold first"
        ),
    ] = ReviewOrder.affected,
) -> None:
    """Write the judged items (model output, judge label) for people to label."""
    with user_errors(ctx):
        from vlmtrust.review import export_review

        count = export_review(run_dir, out, task=task, limit=limit, order=order.value)
        typer.echo(f"{count} items written to {out}; fill human_label/human_value, then import")


@review_app.command("import")
def review_import(
    ctx: typer.Context,
    review_csv: Annotated[Path, typer.Argument(help="the exported CSV, filled in")],
    run_dir: Annotated[Path, typer.Argument(help="the run it was exported from")],
    reviewer: Annotated[str, typer.Option(help="who labelled (stored with each label)")] = "human",
) -> None:
    """Store human labels as their own source and recompute the run's metrics from them."""
    with user_errors(ctx):
        from vlmtrust.report.console import metric_table
        from vlmtrust.review import import_review

        rows = import_review(review_csv, run_dir, reviewer=reviewer)
        terminal.console().print(metric_table(rows))
