"""``vlmtrust guard serve``: the input and output guards as an OpenAI-compatible proxy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmtrust.cli.errors import user_errors

guard_app = typer.Typer(no_args_is_help=True, help="The guards in front of a model server.")


@guard_app.command("serve")
def guard_serve(
    ctx: typer.Context,
    upstream: Annotated[
        str, typer.Option(help="the guarded server's base URL, e.g. http://127.0.0.1:8000/v1")
    ],
    port: Annotated[int, typer.Option(min=0, max=65535, help="port (0: any free port)")] = 8080,
    host: Annotated[
        str,
        typer.Option(help="interface to listen on; beyond loopback the policy must set a token"),
    ] = "127.0.0.1",
    policy: Annotated[
        Path | None, typer.Option(help="policy TOML (keys: docs/safety.md); default: safe values")
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option(
            help="SQLite decision log (default: the policy's log, else guard_decisions.db)"
        ),
    ] = None,
) -> None:
    """Serve an OpenAI-compatible proxy that guards every request and answer of UPSTREAM."""
    with user_errors(ctx):
        from vlmtrust.serve.guard_proxy.server import serve_proxy

        serve_proxy(upstream, host, port, policy, log)
