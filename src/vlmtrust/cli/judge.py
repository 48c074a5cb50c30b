"""``vlmtrust judge eval``: how a judge does on a labelled set you have (format in
``scorers/judge_eval.py``), as a table or JSON."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from vlmtrust.cli.errors import user_errors

judge_app = typer.Typer(no_args_is_help=True, help="Refused/complied judges.")

JUDGE_HELP = "refusal (offline) or rubric:model=SPEC (a Generator graded by a rubric)"
SET_HELP = (
    'labelled JSONL: {"response": ..., "label": "refusal"|"compliance"|"unscorable", '
    '"request"?: ..., "id"?: ...} per line'
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
    on a labelled set."""
    with user_errors(ctx):
        from vlmtrust.scorers.judge_eval import evaluate, load_labelled
        from vlmtrust.scorers.refusal_judges import build_judge

        built = build_judge(judge)  # a bad spec fails before the set is read
        rows = load_labelled(set_path)
        verdicts = built.verdicts([r.request for r in rows], [r.response for r in rows])
        result = {"judge": judge, "set": str(set_path), "n": len(rows)}
        result |= evaluate(rows, verdicts).summary()
        if format is EvalFormat.json:
            typer.echo(json.dumps(result, indent=1))
        else:
            _print_table(result)


def _print_table(result: dict[str, Any]) -> None:
    console = Console()
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


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
