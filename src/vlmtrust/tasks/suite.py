"""Turn ``--suite robustness,safety.figstep`` into task specs for one model.

A pillar name expands to the pillar's tasks that the model can run (the rest are reported as
skipped: ``--suite robustness`` on a CLIP model must not fail on the generator-only tasks), less
the tasks too slow to start unasked (``Task.in_pillar_suite``); a task named explicitly must be
runnable, or the capability check fails with a clear message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.pillars import PILLARS
from vlmtrust.core.spec import Spec, canonical_json

if TYPE_CHECKING:
    from vlmtrust.data.source import DataSource
    from vlmtrust.tasks.base import Task


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


def with_budget(specs: Sequence[Spec], budget_s: float | None) -> tuple[Spec, ...]:
    """``--budget-s`` given to every task that takes a ``budget_s`` parameter and does not set
    its own (an explicit ``name:budget_s=N`` wins); the rest unchanged."""
    from vlmtrust.plugins import TASKS

    if budget_s is None:
        return tuple(specs)
    return tuple(
        Spec(name=s.name, params={**s.params, "budget_s": budget_s})
        if "budget_s" in TASKS.get(s.name).Params.model_fields and "budget_s" not in s.params
        else s
        for s in specs
    )


def per_group_attribute(
    spec: Spec, attributes: Mapping[str, Sequence[str]], class_labels: Sequence[str]
) -> list[tuple[Spec, str]]:
    """``(spec, row name)`` per group attribute of the data that a pillar suite's ``spec``
    compares groups by: a task with a ``group`` parameter it does not set runs once per
    attribute, named ``NAME-by-ATTRIBUTE`` (a two-group task, ``groups``, only on attributes with
    two values, in the data's order); a task that takes its classes from the data (``label``
    without fixed ``classes``) predicts the first of ``class_labels`` that is not the group.
    Any other task, or data without attributes, runs as it is."""
    from vlmtrust.plugins import TASKS

    fields = TASKS.get(spec.name).Params.model_fields
    if not attributes or "group" not in fields or "group" in spec.params:
        return [(spec, spec.name)]
    relabel = "label" in fields and "label" not in spec.params and _classes_from_data(fields)
    out = []
    for attribute, values in attributes.items():
        params: dict[str, Any] = {**spec.params, "group": attribute}
        if "groups" in fields and "groups" not in spec.params:
            if len(values) != 2:
                continue
            params["groups"] = list(values)
        if relabel:
            label = next((c for c in class_labels if c != attribute), None)
            if label is None:
                continue
            params["label"] = label
        out.append((Spec(name=spec.name, params=params), by_attribute(spec.name, attribute)))
    return out


def with_class_label(spec: Spec, source: DataSource) -> Spec:
    """``spec`` predicting the source's first class label (an OOD pair's ``class``, not the
    world's ``shape``), where the task takes its classes from the data and sets neither label
    nor classes, and the source names a class label but no group attributes (with attributes,
    :func:`per_group_attribute` picks the label per attribute). Any other spec as it is."""
    from vlmtrust.plugins import TASKS

    if source.group_attributes or not source.class_labels:
        return spec
    fields = TASKS.get(spec.name).Params.model_fields
    fits = "label" in fields and _classes_from_data(fields)
    if not fits or {"label", "classes"} & set(spec.params):
        return spec
    return Spec(name=spec.name, params={**spec.params, "label": source.class_labels[0]})


def _classes_from_data(fields: Mapping[str, Any]) -> bool:
    """Whether a task with these Params fields takes its classes from the data (it has no
    ``classes`` parameter, or one without fixed defaults), so its ``label`` may be fitted."""
    return "classes" not in fields or fields["classes"].default is None


def fit_to_data(
    built: Sequence[tuple[Spec, Task]], named: Set[str], source: DataSource
) -> tuple[list[Task], list[str]]:
    """The tasks run on ``source``, from ``(spec, task built from it)`` pairs, each fitted by
    :func:`fitted_specs` (those named on the command line, canonical specs in ``named``, run
    as they are; a pillar suite's are marked ``optional``: the runner leaves out, naming why,
    any of them the source cannot supply); and why a suite task fits none of the attributes or
    predicts a label the source does not carry."""
    from vlmtrust.tasks.base import build_task

    tasks: list[Task] = []
    left_out: list[str] = []
    for spec, task in built:
        from_suite = spec.canonical() not in named
        fitted = fitted_specs(spec, source, from_suite)
        if not fitted:
            left_out.append(f"{spec.name} (no group attribute of the {source.name} data fits it)")
        for variant, label in fitted:
            missing = missing_label(variant, source) if from_suite else None
            if missing is not None:
                left_out.append(f"{label} (the {source.name} data has no {missing!r} label)")
                continue
            one = task if variant is spec else build_task(variant)
            one.label = label
            one.optional = from_suite
            tasks.append(one)
    return distinct_labels(tasks), left_out


def distinct_labels(tasks: list[Task]) -> list[Task]:
    """``tasks`` with no two sharing a row name: where one task runs twice with different
    parameters (``safety.multi_turn:method=pair`` and ``:method=crescendo``), each name gains the
    parameters that tell them apart (``safety.multi_turn(method="pair")``), so their metric rows
    do not overwrite each other in the store (a row's key is task, attack, mitigation, metric)."""
    by_label: dict[str, list[Task]] = {}
    for task in tasks:
        by_label.setdefault(task.label, []).append(task)
    for same in by_label.values():
        if len(same) < 2:
            continue
        keys = sorted({k for t in same for k in t.spec.params})
        differ = [k for k in keys if len({canonical_json(t.spec.params.get(k)) for t in same}) > 1]
        for task in same:
            shown = ",".join(f"{k}={canonical_json(task.spec.params.get(k))}" for k in differ)
            task.label = f"{task.label}({shown})"
    return tasks


def fitted_specs(spec: Spec, source: DataSource, from_suite: bool) -> list[tuple[Spec, str]]:
    """``(spec, row name)`` per run of ``spec`` on ``source``: predicting the source's class
    label where the task takes its classes from the data (:func:`with_class_label`), and, for a
    pillar suite's spec, once per group attribute of the data (:func:`per_group_attribute`;
    none where no attribute fits). A task named on the command line runs once, as named."""
    labelled = with_class_label(spec, source)
    if not from_suite:
        return [(labelled, spec.name)]
    return per_group_attribute(labelled, source.group_attributes, source.class_labels)


def missing_label(spec: Spec, source: DataSource) -> str | None:
    """The label ``spec``'s task predicts (its ``label`` parameter) when ``source`` says its
    samples do not carry it (a caption set has no ``shape``), else None."""
    from vlmtrust.plugins import TASKS

    fields = TASKS.get(spec.name).Params.model_fields
    if source.labels_carried is None or "label" not in fields:
        return None
    label = str(spec.params.get("label", fields["label"].default))
    return None if label in source.labels_carried else label


def by_attribute(name: str, attribute: str) -> str:
    """``fairness.group_performance-by-race``: a task's rows per group attribute, in a form
    gates (``TASK[attack=..].METRIC``) and console markup read as one name."""
    return f"{name}-by-{re.sub(r'[^A-Za-z0-9_]', '_', attribute)}"
