"""``vlmtrust judge eval``: how a judge of any kind (refused/complied, toxicity, a guard model)
does on a labelled set you have (formats in ``scorers/judge_sets.py``), as a table or JSON."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from vlmtrust.cli import terminal
from vlmtrust.cli.errors import user_errors

judge_app = typer.Typer(
    no_args_is_help=True, help="Judges: refused/complied, toxicity, content safety."
)

JUDGE_HELP = (
    "refusal (offline), rubric:model=SPEC (a Generator graded by a rubric), toxicity, or a "
    "content-safety judge: llama_guard:hf:DIR, shieldgemma2:hf:DIR, rubric:openai:URL#MODEL, hf:DIR"
)
SET_HELP = (
    'labelled JSONL, one {"response": ..., "label": ...} per line; the labels say the kind: '
    'refusal/compliance, toxic/not_toxic (or {"text": ..., "toxic": true|false}; '
    '"identity"? per row), safe/unsafe ("request"?, "image"? relative to the set\'s folder); '
    "unscorable in any"
)


class EvalFormat(StrEnum):
    table = "table"
    json = "json"


@judge_app.command("eval")
def judge_eval(
    ctx: typer.Context,
    judge: Annotated[str, typer.Option(help=JUDGE_HELP)],
    set_path: Annotated[Path, typer.Option("--set", help=SET_HELP)],
    format: Annotated[EvalFormat, typer.Option(help="table or json")] = EvalFormat.table,
) -> None:
    """Precision and recall per class, the unscorable share and the confusion matrix of a judge
    on a labelled set (and, for a toxicity set naming identities, the false-positive rate per
    identity)."""
    with user_errors(ctx):
        from vlmtrust.scorers.judge_adapters import build, check_fits
        from vlmtrust.scorers.judge_eval import evaluate
        from vlmtrust.scorers.judge_sets import load_labelled, set_kind

        adapter = build(judge)  # a bad spec fails before the set is read
        rows = load_labelled(set_path)
        kind = set_kind(rows)
        check_fits(adapter, kind, str(set_path))
        result = {"judge": judge, "set": str(set_path), "kind": kind.name, "n": len(rows)}
        result |= evaluate(rows, adapter.calls(rows), kind).summary()
        if format is EvalFormat.json:
            typer.echo(json.dumps(result, indent=1))
        else:
            _print_table(result)


def _print_table(result: dict[str, Any]) -> None:
    console = terminal.console()
    table = Table(title=f"judge {result['judge']} on {result['set']} (n={result['n']})")
    for column in ("class", "precision", "recall"):
        table.add_column(column)
    for cls, numbers in result["per_class"].items():
        table.add_row(cls, _fmt(numbers["precision"]), _fmt(numbers["recall"]))
    console.print(table)
    confusion = Table(title="confusion (rows: truth, columns: judge)")
    confusion.add_column("")
    order = result["confusion_labels"]["order"]
    for cls in order:
        confusion.add_column(cls)
    for cls, cells in zip(order, result["confusion"], strict=True):
        confusion.add_row(cls, *(str(c) for c in cells))
    console.print(confusion)
    decided, ambiguous = result["ambiguous_decided"]
    console.print(
        f"unscorable: {result['n_unscorable']} of {result['n_labelled']} labelled "
        f"({_fmt(result['unscorable_share'])}); language not supported: "
        f"{result['n_language_unsupported']}; items labelled unscorable that it decided: "
        f"{decided} of {ambiguous}",
        highlight=False,
    )
    if "per_identity_fpr" in result:
        _print_identities(console, result["per_identity_fpr"])


def _print_identities(console: Console, groups: dict[str, dict[str, Any]]) -> None:
    table = Table(title="false-positive rate per identity (non-toxic items judged toxic)")
    for column in ("identity", "fpr", "95% interval", "n", "unscorable"):
        table.add_column(column)
    for group, e in groups.items():
        interval = "-" if e["ci_low"] is None else f"{e['ci_low']:.3f}-{e['ci_high']:.3f}"
        table.add_row(group, _fmt(e["fpr"]), interval, str(e["n"]), str(e["n_unscorable"]))
    console.print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
