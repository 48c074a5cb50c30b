"""Which mitigation variants can act on which tasks: a variant that trains nothing and whose
wrappers change no model member the task or its attacks call would score every sample exactly
as the baseline does, so the runner plans no cells for it (issue 20: no rows of "+0.000")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from vlmtrust.attacks.base import Attack
from vlmtrust.core.records import NotRun
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation, variant_label
from vlmtrust.tasks.base import Task


def changed_members(variant: Sequence[Spec]) -> frozenset[str] | None:
    """The members a variant's wrappers change or add; None when any of them changes the
    whole model (a trainer, or a wrapper that does not say: a plugin's may not be a
    ``Wrapper``)."""
    changed: frozenset[str] = frozenset()
    for spec in variant:
        acts_on: frozenset[str] | None = getattr(build_mitigation(spec), "acts_on", None)
        if acts_on is None:
            return None
        changed |= acts_on
        if "generate" in acts_on:
            changed |= {"chat"}  # WrappedModel answers conversations through the wrapper's generate
    return changed


def called_members(task: Task, attacks: Sequence[Attack]) -> frozenset[str]:
    """The members a task's ``score`` and its attacks' ``apply_batch`` may call."""
    called = task.model_members()
    for attack in attacks:
        called |= attack.model_members()
    return called


def cannot_act(
    task: Task, attacks: Sequence[Attack], variant: Sequence[Spec], model: str
) -> NotRun | None:
    """Why ``variant`` cannot change a score of ``task``, or None when it can (the baseline,
    an empty variant, always runs)."""
    if not variant:
        return None
    changed = changed_members(variant)
    if changed is None:
        return None
    called = called_members(task, attacks)
    if changed & called:
        return None
    return NotRun(
        model=model,
        task=task.label,
        mitigation=variant_label(variant),
        changes=tuple(sorted(changed)),
        calls=tuple(sorted(called)),
    )


def report_not_run(not_run: Sequence[NotRun], console: Console) -> None:
    """One console line per mitigation variant, naming every task it cannot act on."""
    by_variant: dict[str, list[NotRun]] = defaultdict(list)
    for item in not_run:
        by_variant[item.mitigation].append(item)
    for mitigation, items in by_variant.items():
        tasks = ", ".join(dict.fromkeys(i.task for i in items))
        changes = ", ".join(items[0].changes) or "nothing"
        never = "this task never calls" if len(items) == 1 else "these tasks never call"
        console.print(
            f"[yellow]not run[/] {escape(mitigation)} on {tasks}: it changes only {changes}, "
            f"which {never}",
            highlight=False,
        )
