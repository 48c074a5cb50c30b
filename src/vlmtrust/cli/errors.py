"""User errors become one line and exit code 2; ``--debug`` shows the traceback instead.

Two kinds reach the user: our own ``VlmtrustError`` (raised by command bodies, caught by
:func:`user_errors`) and click's usage errors (unknown option, bad value, missing option),
which :class:`OneLineErrors` catches around the whole command tree, so no option needs its own
handling and a usage error never prints typer's boxed panel.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from vlmtrust.core.errors import VlmtrustError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_ABORTED = 1

# click's exception classes, wherever this typer takes them from (recent typer vendors click as
# ``typer._click``, older ones use click itself); found through typer's public BadParameter.
_CLICK: Any = sys.modules[typer.BadParameter.__module__]


class _NeverRaised(Exception):
    """Stands in for NoArgsIsHelpError where click has none (it then exits 0 after help)."""


_NO_ARGS_IS_HELP: type[Exception] = getattr(_CLICK, "NoArgsIsHelpError", _NeverRaised)


@contextmanager
def user_errors(ctx: typer.Context) -> Iterator[None]:
    """Run a command body so a VlmtrustError prints ``error: ...`` and exits 2, and Ctrl-C
    says how to resume and exits 130."""
    root = ctx.find_root().obj
    debug = bool(isinstance(root, dict) and root.get("debug"))
    try:
        yield
    except VlmtrustError as err:
        if debug:
            raise
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        if debug:
            raise
        print(
            "interrupted: every finished batch is stored; re-run the same command to resume",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None


class OneLineErrors(TyperGroup):
    """The root command group: runs the tree in click's non-standalone mode and turns what
    click would print as a usage panel into ``error: <problem>; see `CMD --help``` (exit 2).

    ``--help``, ``--version`` and the commands' own exit codes (0, 1 for a violated gate,
    2, 130) pass through unchanged.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except _NO_ARGS_IS_HELP as err:
            # typer's rich help is printed while the error is built; plain click returns it
            help_text = str(getattr(err, "format_message", str)())
            if help_text.strip():
                typer.echo(help_text)
            sys.exit(int(getattr(err, "exit_code", EXIT_USER_ERROR)))
        except _CLICK.UsageError as err:
            _exit_with(usage_message(err), EXIT_USER_ERROR)
        except _CLICK.ClickException as err:
            _exit_with(one_line(err.format_message()), err.exit_code)
        except typer.Abort:
            _exit_with("aborted", EXIT_ABORTED)
        sys.exit(code if isinstance(code, int) else 0)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command as click resolves it, after refusing a single-valued option given twice
        anywhere below (click would keep the last value without a word)."""
        from vlmtrust.cli.repeats import leaf_command, repeated_option

        resolved = super().resolve_command(ctx, args)
        name, command, rest = resolved
        if command is not None:
            leaf, path, own = leaf_command(command, list(rest))
            repeated = repeated_option(leaf, own)
            if repeated is not None:
                where = type(ctx)(leaf, info_name=" ".join([str(name), *path]), parent=ctx)
                raise _CLICK.UsageError(
                    f"{repeated} was given more than once but takes one value (the last "
                    "would win silently): give it once; a list is comma-separated",
                    where,
                )
        return resolved


def usage_message(err: Any) -> str:
    """``invalid value for '--limit': ...; see `vlmtrust scan --help```."""
    # the path under the root, named as users type it (test runners call the root "root")
    below_root = err.ctx.command_path.split()[1:] if err.ctx is not None else []
    command = " ".join(["vlmtrust", *below_root])
    # typer validates values with pydantic, whose messages start "Value error, "
    problem = one_line(err.format_message()).replace("Value error, ", "").rstrip(".")
    if problem[:1].isupper() and problem[1:2].islower():
        problem = problem[0].lower() + problem[1:]
    return f"{problem}; see `{command} --help`"


def one_line(text: str) -> str:
    """Collapse newlines and runs of spaces, so a message is always one line."""
    return " ".join(text.split())


def _exit_with(message: str, code: int) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)
