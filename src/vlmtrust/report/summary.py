"""The report's summary: one card per pillar with its gate status and each task's headline
metric, as the scan declared it in the run header (the report imports no task)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from vlmtrust.core.records import MetricRow
from vlmtrust.report.gates import GateResult
from vlmtrust.report.markup import badge, explain_names, metric_name, num
from vlmtrust.report.rows import RunRows


def pillar_status(pillar: str, tasks: list[str], gates: Sequence[GateResult]) -> str:
    if not tasks:
        return "empty"
    mine = [g.status for g in gates if g.pillar == pillar]
    if not mine:
        return "none"
    return "fail" if "fail" in mine else "warn" if "warn" in mine else "pass"


def headlines(runs: Sequence[RunRows]) -> dict[str, str | None]:
    """The headline metric each task declared, as the scans wrote it into their run headers
    (stores older than this field have none: their cards show the first metric)."""
    declared: dict[str, str | None] = {}
    for run in runs:
        for task, metric in (run.header.get("headlines") or {}).items():
            declared.setdefault(str(task), None if metric is None else str(metric))
    return declared


def headline(task: str, rows: Sequence[MetricRow], declared: str | None) -> str:
    """The task's headline metric (else its first) at the baseline, as a range over its
    attacks, one range per model; judge calibration rows are never a headline."""
    mine = [
        r
        for r in rows
        if r.task == task
        and r.mitigation == "none"
        and r.value is not None
        and r.attack != "calibration"
    ]
    if not mine:
        return f"{escape(task)}: no scorable value"
    metric = mine[0].metric
    if declared is not None and any(r.metric == declared for r in mine):
        metric = declared
    models = dict.fromkeys(r.model for r in mine)
    spans = [_span([r for r in mine if r.metric == metric and r.model == m]) for m in models]
    shown = (
        spans[0]
        if len(spans) == 1
        else "; ".join(f"{escape(m)} {span}" for m, span in zip(models, spans, strict=True))
    )
    return f'<a href="#task-{escape(task)}">{escape(task)}</a>: {metric_name(metric)} {shown}'


def _span(rows: Sequence[MetricRow]) -> str:
    """One model's value, or its range over conditions (a range across models would hide
    which model is which)."""
    values = [r.value for r in rows if r.value is not None]
    if not values:
        return "no value"
    low, high = min(values), max(values)
    span = num(low) if low == high else f"{num(low)} to {num(high)}"
    return f'{span} <span class="muted">over {len(values)} condition(s)</span>'


def cards(
    tasks_by_pillar: dict[str, list[str]],
    rows: Sequence[MetricRow],
    gates: Sequence[GateResult],
    headlines: dict[str, str | None],
    data: Sequence[str] = (),
) -> str:
    """One card per pillar; ``data`` names the data set(s) the numbers rest on, in every card."""
    data_html = "".join(f'<p class="muted data">data: {escape(d)}</p>' for d in data)
    out = ['<section id="summary"><h2>Summary</h2><div class="cards">']
    for pillar, tasks in tasks_by_pillar.items():
        status = pillar_status(pillar, tasks, gates)
        items = [f"<li>{headline(t, rows, headlines.get(t))}</li>" for t in tasks] or [
            "<li>no tasks run</li>"
        ]
        items += [
            f"<li>{badge(g.status)} {explain_names(g.gate.text, [g.gate.metric])}</li>"
            for g in gates
            if g.pillar == pillar
        ]
        out.append(
            f'<div class="card {status}" id="card-{escape(pillar)}"><h3>'
            f'<a href="#pillar-{escape(pillar)}">{escape(pillar)}</a> {badge(status)}</h3>'
            f"<ul>{''.join(items)}</ul>{data_html if tasks else ''}</div>"
        )
    out.append("</div></section>")
    return "".join(out)
