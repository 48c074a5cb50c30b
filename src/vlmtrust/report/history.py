"""Run history: several runs of the same plan or model over time, as trends.

Each run directory is one point, ordered by when its newest complete run started. A series is
one task's headline metric (the one the scan declared, else the task's first metric) at one
condition without mitigation, followed across the points with its 95% intervals. Each step
from one point to the next is judged like the report's comparison (``report/compare.py``): the
paired test on the samples both runs scored, Holm-adjusted across that step's rows, or whether
the unpaired intervals separate when there is nothing to pair. A point says which model
fingerprint and which commit (from the CI's environment, see ``core/provenance.py``) made it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import MetricRow
from vlmtrust.report.compare import Change, Key, shared
from vlmtrust.report.markup import metric_name, num, table
from vlmtrust.report.rows import RunRows, load_runs
from vlmtrust.report.summary import headlines
from vlmtrust.store import ResultStore

#: lines per trend plot; more conditions are listed in the table only
MAX_LINES = 8


@dataclass(frozen=True)
class Point:
    """One run directory in the history."""

    run: RunRows
    started: float

    @property
    def fingerprint(self) -> str:
        return str(self.run.header.get("model", {}).get("fingerprint") or "?")

    @property
    def commit(self) -> str | None:
        commit = self.run.header.get("commit")
        return None if commit is None else str(commit)


@dataclass(frozen=True)
class Series:
    """One headline row followed over the points; ``changes[i]`` is point i against i-1."""

    key: Key
    rows: tuple[MetricRow | None, ...]
    changes: tuple[Change | None, ...]

    @property
    def label(self) -> str:
        _task, attack, mitigation, _metric = self.key
        return attack if mitigation == "none" else f"{attack} / {mitigation}"


@dataclass(frozen=True)
class History:
    points: tuple[Point, ...]
    series: tuple[Series, ...]

    def tasks(self) -> list[tuple[str, str]]:
        """(task, headline metric) in the order the series first name them."""
        return list(dict.fromkeys((s.key[0], s.key[3]) for s in self.series))


def load_history(run_dirs: Sequence[Path]) -> History:
    """Read the run directories (two or more) and build every headline series."""
    if len(run_dirs) < 2:
        raise ConfigError(
            "a history needs at least two run directories",
            "pass the run directories of the same plan or model, e.g. runs/2026-12-*",
        )
    runs = load_runs(list(run_dirs))
    points = sorted((Point(run, _started(run.run_dir)) for run in runs), key=lambda p: p.started)
    ordered = [p.run for p in points]
    keys = _headline_keys(ordered)
    steps = [_step(ordered[i - 1], ordered[i]) for i in range(1, len(ordered))]
    series = []
    for key in keys:
        rows = tuple(_row(run, key) for run in ordered)
        changes = (None, *(step.get(key) for step in steps))
        series.append(Series(key, rows, changes))
    return History(tuple(points), tuple(series))


def _started(run_dir: Path) -> float:
    """When the directory's newest complete run started (else its newest run of any kind)."""
    with ResultStore.open_existing(run_dir) as store:
        runs = store.runs()
    complete = [r for r in runs if r.get("status") == "complete"] or runs
    return float(complete[-1]["started"]) if complete else 0.0


def _headline_keys(runs: Sequence[RunRows]) -> list[Key]:
    """Per task, its headline metric at every unmitigated condition any run has (judge
    calibration rows are never a headline)."""
    declared = headlines(runs)
    keys: dict[Key, None] = {}
    first: dict[str, str] = {}
    for run in runs:
        for row in run.rows:
            if row.mitigation == "none" and row.attack != "calibration":
                first.setdefault(row.task, row.metric)
    for run in runs:
        for row in run.rows:
            if row.mitigation != "none" or row.attack == "calibration":
                continue
            wanted = declared.get(row.task) or first[row.task]
            if row.metric == wanted:
                keys[(row.task, row.attack, row.mitigation, row.metric)] = None
    return list(keys)


def _row(run: RunRows, key: Key) -> MetricRow | None:
    return next((r for r in run.rows if (r.task, r.attack, r.mitigation, r.metric) == key), None)


def _step(before: RunRows, after: RunRows) -> dict[Key, Change]:
    common, _single = shared([before, after])
    return {item.key: change for item in common if (change := item.change(1)) is not None}


# --------------------------------------------------------------------------- formats


def history_json(history: History) -> str:
    return json.dumps(
        {
            "points": [_point_json(i, p) for i, p in enumerate(history.points, 1)],
            "series": [
                {
                    "task": s.key[0],
                    "attack": s.key[1],
                    "mitigation": s.key[2],
                    "metric": s.key[3],
                    "values": [None if r is None else _value_json(r) for r in s.rows],
                    "changes": [None if c is None else c.as_json() for c in s.changes],
                }
                for s in history.series
            ],
        },
        indent=2,
    )


def history_markdown(history: History) -> str:
    lines = ["# vlmtrust history", "", *_points_markdown(history), ""]
    for task, metric in history.tasks():
        lines += [f"## {task}: `{metric}`", ""]
        head = ["condition", *(f"#{i}" for i in range(1, len(history.points) + 1))]
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        mine = [s for s in history.series if (s.key[0], s.key[3]) == (task, metric)]
        for s in mine:
            cells = [s.label, *(_value_text(r) for r in s.rows)]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "Latest step (last run against the one before):", ""]
        lines += [f"- {s.label}: {_latest(s)}" for s in mine]
        lines.append("")
    return "\n".join(lines)


def history_html(history: History) -> str:
    """A self-contained page: the points, then one trend plot per task's headline metric."""
    from vlmtrust.report.html import CSP, page_css

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>vlmtrust history</title><style>{page_css()}</style></head><body>",
        "<h1>vlmtrust history</h1>",
        history_section(history),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def history_section(history: History) -> str:
    """The history section: which run each point is, and per task a trend with intervals and
    the latest step's paired verdict per condition."""
    out = ['<section id="history"><h2>History</h2>', _points_html(history)]
    for task, metric in history.tasks():
        mine = [s for s in history.series if (s.key[0], s.key[3]) == (task, metric)]
        out.append(
            f'<div class="trend" id="trend-{escape(task)}"><h3>{escape(task)}: '
            f"{metric_name(metric)}</h3>"
        )
        out.append(
            f'<figure class="plot">{_trend_svg(history, mine[:MAX_LINES], metric)}'
            f"<figcaption>{escape(metric)} per run with 95% intervals, "
            f"{min(len(mine), MAX_LINES)} of {len(mine)} condition(s)</figcaption></figure>"
        )
        body = [
            (escape(s.label), *(_value_html(r) for r in s.rows), escape(_latest(s))) for s in mine
        ]
        head = [
            "condition",
            *(f"#{i}" for i in range(1, len(history.points) + 1)),
            "latest step",
        ]
        out.append(table(head, body))
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


def _trend_svg(history: History, series: Sequence[Series], metric: str) -> str:
    from vlmtrust.report.plots import trend_plot

    xs = list(range(1, len(history.points) + 1))
    lines = []
    for s in series:
        values = [None if r is None else r.value for r in s.rows]
        lows = [None if r is None else r.ci_low for r in s.rows]
        highs = [None if r is None else r.ci_high for r in s.rows]
        lines.append((s.label, values, lows, highs))
    return trend_plot(xs, lines, metric)


def _points_markdown(history: History) -> list[str]:
    lines = [
        "| # | run | started (UTC) | model | fingerprint | commit |",
        "| ---: | --- | --- | --- | --- | --- |",
    ]
    for i, p in enumerate(history.points, 1):
        cells = (
            str(i),
            f"`{p.run.run_dir}`",
            _when(p.started),
            p.run.model_name,
            f"`{p.fingerprint[:12]}`",
            f"`{p.commit[:12]}`" if p.commit else "-",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _points_html(history: History) -> str:
    body = [
        (
            str(i),
            escape(str(p.run.run_dir)),
            escape(_when(p.started)),
            escape(p.run.model_name),
            f"<code>{escape(p.fingerprint[:12])}</code>",
            f"<code>{escape(p.commit[:12])}</code>" if p.commit else "-",
        )
        for i, p in enumerate(history.points, 1)
    ]
    head = ["#", "run", "started (UTC)", "model", "fingerprint", "commit"]
    return table(head, body, numeric=frozenset({0}))


def _point_json(index: int, point: Point) -> dict[str, Any]:
    return {
        "index": index,
        "run_dir": str(point.run.run_dir),
        "started": point.started,
        "model": point.run.model_name,
        "fingerprint": point.fingerprint,
        "commit": point.commit,
    }


def _value_json(row: MetricRow) -> dict[str, Any]:
    return {"value": row.value, "ci_low": row.ci_low, "ci_high": row.ci_high, "n": row.n}


def _value_text(row: MetricRow | None) -> str:
    if row is None:
        return "-"
    if row.ci_low is None or row.ci_high is None:
        return f"{num(row.value)} (n={row.n})"
    return f"{num(row.value)} [{num(row.ci_low)}, {num(row.ci_high)}] (n={row.n})"


def _value_html(row: MetricRow | None) -> str:
    return escape(_value_text(row))


def _latest(series: Series) -> str:
    """The last step's change in words, or why there is none."""
    change, now, before = series.changes[-1], series.rows[-1], series.rows[-2]
    if now is None or before is None or change is None:
        return "no row on one side"
    if now.value is None or before.value is None:
        return "no value on one side"
    return f"{now.value - before.value:+.3f}; real change? {change.verdict()}"


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(stamp)) if stamp else "?"
