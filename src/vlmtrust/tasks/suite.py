"""Turn ``--suite robustness,safety.figstep`` and ``--task name:k=v`` into task specs."""

from __future__ import annotations

from collections.abc import Sequence

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec, parse_spec

PILLARS = ("privacy", "fairness", "robustness", "safety")


def suite_specs(suite: str | None, tasks: Sequence[str] = ()) -> tuple[Spec, ...]:
    """Pillar names expand to every registered task of that pillar; task names pass through.
    ``tasks`` are full specs with parameters. Order is kept; duplicates are dropped."""
    from vlmtrust.plugins import TASKS

    specs: list[Spec] = []
    for name in filter(None, (n.strip() for n in (suite or "").split(","))):
        if name in PILLARS:
            members = [e.name for e in TASKS.entries() if e.name.startswith(f"{name}.")]
            if not members:
                raise ConfigError(
                    f"pillar {name!r} has no tasks yet", "run `vlmtrust list` to see what exists"
                )
            specs.extend(Spec(name=m) for m in members)
        else:
            TASKS.entry(name)  # unknown names fail here, with suggestions
            specs.append(Spec(name=name))
    for text in tasks:
        spec = parse_spec(text)
        TASKS.entry(spec.name)
        specs.append(spec)
    unique = list({s.canonical(): s for s in specs}.values())
    if not unique:
        raise ConfigError("no tasks selected", "pass --suite PILLAR_OR_TASK or --task SPEC")
    return tuple(unique)
