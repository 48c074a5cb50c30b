"""Small pieces the report's sections share: numbers, intervals, tables (HTML, and Markdown for
the text views), status badges. Cells passed to :func:`table` must already be escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.power import describe
from vlmtrust.report.glossary import explain, used

STATUS_TEXT = {"pass": "pass", "warn": "warn", "fail": "fail", "none": "no gates", "empty": "-"}


def num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.4g}"


def ci(row: MetricRow) -> str:
    if row.ci_low is None or row.ci_high is None:
        return "-"
    return f"[{num(row.ci_low)}, {num(row.ci_high)}]"


def underpowered(row: MetricRow) -> str | None:
    """Why a row's number may not show its flaw: its task had fewer samples than it needs."""
    weak = row.details.get("underpowered")
    if not isinstance(weak, dict):
        return None
    return f"underpowered: {describe(weak)} ({weak.get('fix')})"


def note(row: MetricRow) -> str | None:
    """What a reader must know to read a row's number (``details["note"]``, written by its
    task), e.g. that an NLL of 27.631 is the 1e-12 probability floor and not a measurement."""
    text = row.details.get("note")
    return text if isinstance(text, str) and text else None


def notes_html(rows: Iterable[MetricRow], names: Iterable[str] = ()) -> str:
    """The rows' notes as a list under their table, one line per row that has one; the metric
    names in a note (the rows' own, and ``names``) carry their explanations."""
    rows = list(rows)
    known = {r.metric for r in rows} | set(names)
    items = [
        f"<li><b>{metric_name(r.metric)}</b> ({escape(r.mitigation)} · {escape(r.attack)}"
        f" · {escape(r.model)}): {explain_names(text, known)}</li>"
        for r in rows
        if (text := note(r)) is not None
    ]
    return f'<ul class="notes">{"".join(items)}</ul>' if items else ""


def table(
    head: Iterable[str], body: Iterable[Iterable[str]], numeric: frozenset[int] = frozenset()
) -> str:
    """A table from already-escaped cells; ``numeric`` columns are right-aligned."""
    th = "".join(f"<th>{h}</th>" for h in head)
    trs = []
    for cells in body:
        tds = "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(cells)
        )
        trs.append(f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(trs)}</tbody></table>"


def markdown_table(head: Sequence[str], body: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table's lines from plain-text cells (the Markdown views' one table form)."""
    return [
        "| " + " | ".join(head) + " |",
        "| " + " | ".join("---" for _ in head) + " |",
        *("| " + " | ".join(row) + " |" for row in body),
    ]


def badge(status: str) -> str:
    return f'<span class="badge {status}">{escape(STATUS_TEXT.get(status, status))}</span>'


def metric_name(metric: str, shown: str | None = None) -> str:
    """A metric's name (or ``shown``, a column title standing for it), escaped, with its
    glossary line as a tooltip (no script needed); ``data-metric`` names the metric explained."""
    entry = explain(metric)
    text = escape(metric if shown is None else shown)
    if entry is None:
        return text
    return (
        f'<abbr class="metric" data-metric="{escape(metric)}" '
        f'title="{escape(entry.line())}">{text}</abbr>'
    )


#: where a metric name starts and ends inside a sentence: not inside a longer identifier
#: (``asr`` in ``asr.set.zoo``), but after a task's dot (``robustness.ood.auroc_msp<0.5``)
NAME_BEFORE = r"(?<![\w@\[])"
NAME_AFTER = r"(?![\w@\[]|[.:%]\w)"


def explain_names(text: str, metrics: Iterable[str]) -> str:
    """``text`` escaped, each whole occurrence of one of ``metrics`` in it shown as
    :func:`metric_name` (a sentence that names metrics: a finding, a gate, a plot title)."""
    names = sorted({m for m in metrics if m}, key=len, reverse=True)
    if not names:
        return escape(text)
    found = re.compile(NAME_BEFORE + "(" + "|".join(map(re.escape, names)) + ")" + NAME_AFTER)
    out, last = [], 0
    for match in found.finditer(text):
        out += [escape(text[last : match.start()]), metric_name(match[1])]
        last = match.end()
    return "".join(out) + escape(text[last:])


def metrics_used(metrics: Iterable[str]) -> str:
    """A task's "Metrics used here" list: each glossary entry its rows use, once."""
    entries = used(set(metrics))
    if not entries:
        return ""
    items = "".join(
        f"<dt><code>{escape(e.name)}</code></dt><dd>{escape(e.measures)}. "
        f"<b>{escape(e.bad)}</b>; reference: {escape(e.reference)}.</dd>"
        for e in entries
    )
    return (
        '<details class="glossary"><summary>Metrics used here</summary>'
        f'<dl class="glossary">{items}</dl></details>'
    )


#: A table with more rows than this folds shut (``fold``). At 25 px a one-line row and about
#: 45 px a row whose paired verdict wraps, 8 rows take 200-360 px: under half of an 800 px
#: laptop screen, read in place with its heading. A longer table pushes the task's plots and
#: the next task out of view, so it opens only when asked for.
FOLD_ROWS = 8


def fold(heading: str, what: str, rows: int, body: str) -> str:
    """A table under its heading, or past ``FOLD_ROWS`` rows a closed ``<details>`` whose
    summary line says how many rows it holds and what they are (both already escaped)."""
    if rows <= FOLD_ROWS:
        return f"<h4>{heading}</h4>{body}"
    return (
        f'<details class="fold"><summary><b>{heading}</b>: {what} '
        '<span class="muted">(folded: click to show)</span></summary>'
        f"{body}</details>"
    )
