"""Turn ``--suite robustness,safety.figstep`` into task specs for one model.

A pillar name expands to the pillar's tasks that the model can run (the rest are reported as
skipped: ``--suite robustness`` on a CLIP model must not fail on the generator-only tasks), less
the tasks too slow to start unasked (``Task.in_pillar_suite``); a task named explicitly must be
runnable, or the capability check fails with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.pillars import PILLARS
from vlmtrust.core.spec import Spec


def suite_specs(names: Iterable[str], capabilities: frozenset[str]) -> tuple[list[Spec], list[str]]:
    """(specs to run, pillar tasks skipped for lack of a capability)."""
    from vlmtrust.plugins import TASKS

    specs: list[Spec] = []
    skipped: list[str] = []
    for name in filter(None, (n.strip() for n in names)):
        if name not in PILLARS:
            TASKS.entry(name)  # unknown names fail here, with suggestions
            specs.append(Spec(name=name))
            continue
        members = [e.name for e in TASKS.entries() if e.name.startswith(f"{name}.")]
        if not members:
            raise ConfigError(
                f"pillar {name!r} has no tasks yet", "run `vlmtrust list` to see what exists"
            )
        for member in members:
            task = TASKS.get(member)
            needs = set(task.requires)
            if not needs <= capabilities:
                skipped.append(f"{member} (needs {', '.join(sorted(needs - capabilities))})")
            elif not task.in_pillar_suite:
                skipped.append(f"{member} (slow: run it by name, --suite {member})")
            else:
                specs.append(Spec(name=member))
    return specs, skipped


def unique(specs: Sequence[Spec]) -> tuple[Spec, ...]:
    """Specs in order, each once."""
    return tuple({s.canonical(): s for s in specs}.values())
