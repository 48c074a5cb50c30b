"""A single-valued option given twice is a usage error, not "the last one wins": click keeps
the last value silently, so ``--suite safety --suite fairness`` would scan fairness alone and
``--model a --model b`` would scan b. Repeatable options (``--task``, ``--mitigate``,
``--fail-on``), counters and flags are left alone."""

from __future__ import annotations

from collections import Counter
from typing import Any


def leaf_command(command: Any, args: list[str]) -> tuple[Any, list[str], list[str]]:
    """The command ``args`` reach below a group, the names on the way, and its own args."""
    path: list[str] = []
    while hasattr(command, "commands"):
        names = [i for i, a in enumerate(args) if not a.startswith("-")]
        sub = command.commands.get(args[names[0]]) if names else None
        if sub is None:
            break
        path.append(args[names[0]])
        command, args = sub, args[names[0] + 1 :]
    return command, path, args


def repeated_option(command: Any, args: list[str]) -> str | None:
    """The first single-valued option of ``command`` that ``args`` give more than once, as the
    user typed it; the values of options are skipped, so a value is never read as a name."""
    by_name: dict[str, Any] = {
        name: param
        for param in getattr(command, "params", [])
        if getattr(param, "param_type_name", "") == "option"
        for name in (*param.opts, *param.secondary_opts)
    }
    seen: Counter[str] = Counter()
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            break
        name, inline, _ = token.partition("=") if token.startswith("--") else (token, "", "")
        param = by_name.get(name)
        if param is not None:
            if not (param.multiple or param.count or param.is_flag):
                seen[param.name] += 1
                if seen[param.name] > 1:
                    return name
            if not (param.is_flag or param.count or inline):
                i += param.nargs
        i += 1
    return None
