"""``vlmtrust train``: trainers run on their own, outside a scan (their artifacts are the ones a
scan's ``--mitigate`` reuses)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from vlmtrust.cli import terminal
from vlmtrust.cli.errors import user_errors

train_app = typer.Typer(no_args_is_help=True, help="Run a trainer on its own and keep its rows.")


@train_app.command("federated")
def train_federated(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="a dual encoder offering Tunable: zoo:clip, hf:DIR")],
    out: Annotated[Path, typer.Option(help="folder for federated_rows.json and the card")],
    clients: Annotated[int, typer.Option(min=1, max=100, help="simulated clients")] = 5,
    rounds: Annotated[int, typer.Option(min=1, max=1000, help="communication rounds")] = 10,
    partition: Annotated[
        str, typer.Option(help="iid, dirichlet:ALPHA (label skew) or by-group")
    ] = "iid",
    strategy: Annotated[str, typer.Option(help="fedavg, or fedprox[:mu=0.01]")] = "fedavg",
    dp: Annotated[
        str | None,
        typer.Option(help="client-level DP: epsilon=E,delta=D,clip=C (epsilon over all rounds)"),
    ] = None,
    secure_aggregation: Annotated[
        bool,
        typer.Option("--secure-aggregation", help="pairwise masks: the server sees only the sum"),
    ] = False,
    local_epochs: Annotated[int, typer.Option(min=1, help="client passes per round")] = 1,
    seed: Annotated[int, typer.Option(help="seed of batches, partition and DP noise")] = 0,
    inversion_images: Annotated[
        int,
        typer.Option(min=0, help="images of client 0 whose shared update is inverted (0: none)"),
    ] = 4,
    inversion_steps: Annotated[
        int, typer.Option(min=2, help="optimisation steps of each inversion")
    ] = 200,
) -> None:
    """Federated fine-tuning of the projection head across simulated clients: accuracy per
    round, bytes sent, accuracy per client, epsilon, and the gradient-inversion risk of one
    client's update with and without DP."""
    with user_errors(ctx):
        from vlmtrust.report.console import metric_table
        from vlmtrust.runner.federated import dp_params, strategy_params, train_federated

        params: dict[str, Any] = {
            "clients": clients,
            "rounds": rounds,
            "partition": partition,
            "local_epochs": local_epochs,
            "seed": seed,
            "secure_aggregation": secure_aggregation,
            **strategy_params(strategy),
            **(dp_params(dp) if dp is not None else {}),
        }
        done = train_federated(model, params, out, inversion_images, inversion_steps)
        console = terminal.console()
        console.print(metric_table(done.rows))
        typer.echo(f"{len(done.rows)} rows of {done.label} written to {done.out}", err=True)
