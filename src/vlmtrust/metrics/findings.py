"""Findings: the metric rows that say something is wrong, as sentences a reader can act on.

A baseline row (mitigation ``none``) is a finding when its severity rule (``severity.py``) rates
it ``low`` or worse. One finding per model, task and rule, from its worst row (the others are
named in its sentence). Each says which mitigation in the run fixed it, by the paired test on
the same samples where the row has one, else by the severity dropping, and what that mitigation
costs: its worst change on the run's utility rows for the same model (``utility.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from vlmtrust.core.pillars import pillar_of
from vlmtrust.core.records import SEVERITIES, Finding, FixCost, MetricRow, NotRun
from vlmtrust.metrics.paired import PAIRED_BOOTSTRAP
from vlmtrust.metrics.power import describe
from vlmtrust.metrics.severity import Rule, rule_for
from vlmtrust.metrics.utility import utility_direction

BASELINE = "none"
#: rows that measure a judge, not the model: never findings
_CALIBRATION = "calibration"

RowIndex = dict[tuple[str, str, str, str, str], MetricRow]


def derive_findings(
    rows: Sequence[MetricRow], rules: tuple[Rule, ...], not_run: Sequence[NotRun] = ()
) -> list[Finding]:
    """Every finding in ``rows``, worst first; ``not_run``: the mitigations the run left out
    of a task because they cannot act on it (said so where no other mitigation was tried)."""
    index: RowIndex = {(r.model, r.task, r.attack, r.mitigation, r.metric): r for r in rows}
    groups: dict[tuple[str, str, str], list[tuple[int, float, MetricRow, MetricRow | None]]]
    groups = defaultdict(list)
    for row in rows:
        if row.mitigation != BASELINE or row.attack == _CALIBRATION or row.value is None:
            continue
        rule = rule_for(rules, row.metric)
        judged = None if rule is None else _judge(rule, row, index)
        if rule is None or judged is None:
            continue
        severity, distance, reference = judged
        if severity != "info":
            level = SEVERITIES.index(severity)
            groups[row.model, row.task, rule.name].append((level, distance, row, reference))
    by_name = {r.name: r for r in rules}
    found = []
    for (_model, _task, name), judged_rows in groups.items():
        judged_rows.sort(key=lambda j: (j[0], -j[1], j[2].attack, j[2].metric))
        found.append(_finding(by_name[name], judged_rows, index, not_run))
    return rank(found)


def rank(findings: Sequence[Finding]) -> list[Finding]:
    """Worst first: by severity, then distance from the reference, then name."""
    return sorted(
        findings,
        key=lambda f: (SEVERITIES.index(f.severity), -f.distance, f.task, f.metric, f.model),
    )


def _reference(
    rule: Rule, row: MetricRow, index: RowIndex, mitigation: str
) -> tuple[float, MetricRow | None] | None:
    attack = rule.reference_attack
    if attack is None:
        assert not isinstance(rule.reference, str)
        return rule.reference, None
    clean = index.get((row.model, row.task, attack, mitigation, row.metric))
    if attack == row.attack or clean is None or clean.value is None:
        return None
    return clean.value, clean


def _judge(
    rule: Rule, row: MetricRow, index: RowIndex, mitigation: str = BASELINE
) -> tuple[str, float, MetricRow | None] | None:
    """The row's severity, its distance from the reference and the reference row (if any)."""
    reference = _reference(rule, row, index, mitigation)
    if reference is None or row.value is None:
        return None
    distance = rule.distance(row.value, reference[0])
    return rule.severity(distance), distance, reference[1]


def _finding(
    rule: Rule,
    judged: list[tuple[int, float, MetricRow, MetricRow | None]],
    index: RowIndex,
    not_run: Sequence[NotRun] = (),
) -> Finding:
    level, distance, row, reference = judged[0]
    idle = [n for n in not_run if (n.model, n.task) == (row.model, row.task)]
    fix, fixed_by, fix_row = _fix(rule, row, SEVERITIES[level], distance, index, idle)
    evidence = [row, *([reference] if reference else []), *(j[2] for j in judged[1:])]
    if fix_row is not None:
        evidence.append(fix_row)
    return Finding(
        pillar=pillar_of(row.task),
        task=row.task,
        metric=row.metric,
        attack=row.attack,
        model=row.model,
        severity=SEVERITIES[level],
        rule=rule.name,
        statement=_statement(rule, row, reference, judged[1:]),
        evidence=tuple(dict.fromkeys(row_key(r) for r in evidence)),
        anchors=(f"#task-{row.task}", f"#gallery-{row.task}"),
        fix=fix,
        fixed_by=fixed_by,
        fix_cost=None if fix_row is None else fix_cost(row.model, fix_row.mitigation, index),
        distance=distance,
    )


def row_key(row: MetricRow) -> str:
    """How a finding names a row: ``task/attack/mitigation/metric/model``."""
    return "/".join((row.task, row.attack, row.mitigation, row.metric, row.model))


def _fix(
    rule: Rule,
    row: MetricRow,
    severity: str,
    distance: float,
    index: RowIndex,
    idle: Sequence[NotRun] = (),
) -> tuple[str, str | None, MetricRow | None]:
    """The mitigation that lowered the severity most (a paired test, where there is one, must
    call its change real), said with its effect; one whose real change leaves the severity
    as it was is said to reduce it, not fix it; else that none helped, naming what was tried,
    or, where none was tried because none could act on the task (``idle``), that."""
    level = SEVERITIES.index(severity)
    tried = _tried(row, index)
    helping: list[tuple[int, float, float, str, MetricRow]] = []
    for mitigation in tried:
        after = index[row.model, row.task, row.attack, mitigation, row.metric]
        judged = _judge(rule, after, index, mitigation)
        paired = after.details.get("paired")
        if judged is None or (isinstance(paired, dict) and not _shown_real(paired)):
            continue
        after_level = SEVERITIES.index(judged[0])
        # a lower severity, or (with a paired test calling it real) a smaller distance
        if after_level > level or (isinstance(paired, dict) and judged[1] < distance):
            loss = _utility_loss(row.model, mitigation, index)
            helping.append((-after_level, judged[1], loss, mitigation, after))
    # the mildest severity, then the nearest the reference, then the cheapest in utility
    helping.sort(key=lambda h: h[:4])
    best = helping[0] if helping else None
    if best is None and not tried and idle:
        why = "; ".join(n.why for n in idle)
        return f"no mitigation in this run acts on this task ({why})", None, None
    if best is None:
        shown = ", ".join(
            f"{m} {_num(rule, row.value)} -> "
            f"{_num(rule, index[row.model, row.task, row.attack, m, row.metric].value)}"
            for m in tried
        )
        why = f" (tried {shown})" if tried else " (none was scanned for this task)"
        return "no mitigation in this run fixed it" + why, None, None
    after_level, mitigation, after = -best[0], best[3], best[4]
    if after_level == level:
        fixed: str | None = None
        text = f"no mitigation in this run fixed it; {mitigation} reduced it: {row.metric}"
    else:
        fixed, text = mitigation, f"{mitigation}: {row.metric}"
    text += f" {_num(rule, row.value)} -> {_num(rule, after.value)}"
    paired = after.details.get("paired")
    if isinstance(paired, dict):
        text += f", {_paired(paired)}"
    else:
        text += " (unpaired: no per-sample test for this metric)"
    if SEVERITIES[after_level] != "info":
        text += f"; still {SEVERITIES[after_level]}"
    # the others that reached the same severity: a reader may prefer a cheaper or simpler one
    also = [h[3] for h in helping[1:] if h[0] == best[0]]
    if fixed is not None and also:
        text += f" (also fixed by {', '.join(also)})"
    return text, fixed, after


def _tried(row: MetricRow, index: RowIndex) -> list[str]:
    """The mitigations with a row beside ``row`` (same model, task, attack and metric)."""
    return sorted(
        {
            m
            for (mo, t, a, m, me) in index
            if (mo, t, a, me) == (row.model, row.task, row.attack, row.metric) and m != BASELINE
        }
    )


def fix_cost(model: str, mitigation: str, index: RowIndex) -> FixCost:
    """The mitigation's worst change on a utility row of this model, with its paired interval
    where the row has one, or that no utility row was measured."""
    worst = _worst_utility(model, mitigation, index)
    if worst is None:
        return FixCost(text="no utility row measured")
    _, before, after = worst
    assert before.value is not None and after.value is not None
    where = "" if before.attack == BASELINE else f" under {before.attack}"
    text = f"{before.task} {before.metric}{where} {before.value:.3f} -> {after.value:.3f}"
    paired = after.details.get("paired")
    shown: list[Any] = (
        [paired.get(k) for k in ("difference", "ci_low", "ci_high")]
        if isinstance(paired, dict)
        else []
    )
    if shown and all(isinstance(v, int | float) for v in shown):
        change, low, high = (float(v) for v in shown)
        return FixCost(
            row=row_key(after),
            before=before.value,
            after=after.value,
            change=change,
            ci_low=low,
            ci_high=high,
            text=f"{text}, {change:+.3f} [{low:+.3f}, {high:+.3f}]",
        )
    change = after.value - before.value
    return FixCost(
        row=row_key(after),
        before=before.value,
        after=after.value,
        change=change,
        text=f"{text}, {change:+.3f} (unpaired: no per-sample test for this metric)",
    )


def _utility_loss(model: str, mitigation: str, index: RowIndex) -> float:
    """How much the mitigation's worst utility row lost (0 where none was measured)."""
    worst = _worst_utility(model, mitigation, index)
    return 0.0 if worst is None else worst[0]


def _worst_utility(
    model: str, mitigation: str, index: RowIndex
) -> tuple[float, MetricRow, MetricRow] | None:
    """The largest loss on a utility row and its (baseline, mitigated) rows; on a tie, one
    with a paired interval, then the first in row order."""
    worst: tuple[float, bool, MetricRow, MetricRow] | None = None
    for (mo, task, attack, mi, metric), before in index.items():
        direction = utility_direction(before)
        after = index.get((mo, task, attack, mitigation, metric))
        if mo != model or mi != BASELINE or direction is None or after is None:
            continue
        if before.value is None or after.value is None:
            continue
        change = after.value - before.value
        loss = round(-change if direction == "lower" else change, 12)
        has_pair = isinstance(after.details.get("paired"), dict)
        if worst is None or (loss, has_pair) > worst[:2]:
            worst = (loss, has_pair, before, after)
    return None if worst is None else (worst[0], worst[2], worst[3])


def _shown_real(paired: dict[str, Any]) -> bool:
    """The paired test calls the change real, or its interval excludes 0 (a test over a few
    pools, e.g. 5 retrieval sub-pools, cannot reach p < 0.05 however large the change)."""
    low, high = paired.get("ci_low"), paired.get("ci_high")
    excludes = low is not None and high is not None and (low > 0 or high < 0)
    return bool(paired.get("real")) or excludes


def _paired(paired: dict[str, Any]) -> str:
    """The paired change, its interval, its test and the Holm p; where the test does not call
    a change real whose interval excludes 0, why."""
    p = float(paired["p_holm"])
    shown = "p<0.001" if p < 0.001 else f"p={p:.2g}"
    test = f"{paired['test']}, " if paired.get("test") else ""
    text = (
        f"paired {paired['difference']:+.3f} "
        f"[{paired['ci_low']:+.3f}, {paired['ci_high']:+.3f}], {test}Holm {shown}"
    )
    if not paired.get("real"):
        if paired.get("test") == PAIRED_BOOTSTRAP:
            # a percentile interval and a Wald p can disagree near 0.05, and Holm multiplies p
            text += " (the interval excludes 0, but not after Holm's correction over the rows)"
        else:
            text += (
                f" (the interval excludes 0; {paired['n_pairs']} pairs are too few for the test)"
            )
    return text


def _statement(
    rule: Rule,
    row: MetricRow,
    reference: MetricRow | None,
    others: list[tuple[int, float, MetricRow, MetricRow | None]],
) -> str:
    value = f"{_num(rule, row.value)} {_interval(rule, row)} (n={row.n})"
    if reference is not None:
        text = (
            f"{rule.title}: {row.attack} gets {row.metric} {value} where {rule.note or 'the'} "
            f"({reference.attack}) gets {_num(rule, reference.value)}"
        )
    else:
        under = "" if row.attack == BASELINE else f" under {row.attack}"
        ref = _num(rule, float(rule.reference))
        note = f" ({rule.note})" if rule.note else ""
        text = f"{rule.title}: {row.metric} {value}{under}; reference {ref}{note}"
    if others:
        text += "; also " + ", ".join(
            f"{o[2].attack if o[2].metric == row.metric else o[2].metric} {_num(rule, o[2].value)}"
            for o in others[:4]
        )
        if len(others) > 4:
            text += f" and {len(others) - 4} more"
    weak = row.details.get("underpowered")
    if isinstance(weak, dict):
        text += f" (underpowered: {describe(weak)})"
    return text


def _num(rule: Rule, value: float | None) -> str:
    if value is None:
        return "n/a"
    if rule.percent:
        return _pct(value) + "%"
    return f"{value:.3f}"


def _pct(value: float) -> str:
    return f"{value * 100:.1f}".rstrip("0").rstrip(".")


def _interval(rule: Rule, row: MetricRow) -> str:
    if row.ci_low is None or row.ci_high is None:
        return "[no interval]"
    if rule.percent:
        return f"[{_pct(row.ci_low)}-{_pct(row.ci_high)}%]"
    return f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"
