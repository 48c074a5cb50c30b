"""The HTML report: one self-contained file that opens from disk with no server and no network.

Styles are inline, plots are inline SVG, images are ``data:`` URLs, and there is no script at
all. A Content-Security-Policy meta tag (``default-src 'none'``) makes the browser refuse any
request the page might try, so "works offline" is enforced, not just intended. Every value
from a store is HTML-escaped.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from html import escape
from importlib.metadata import version
from typing import Any

from vlmtrust.core.pillars import PILLARS, pillar_of
from vlmtrust.core.records import MetricRow, NotRun
from vlmtrust.report.compare import COMPARISON_NOTE, Aligned, run_label, shared
from vlmtrust.report.federated_table import federated_table_cells, federated_tables
from vlmtrust.report.findings import all_findings, findings_html
from vlmtrust.report.gates import GateResult
from vlmtrust.report.judges import JudgeRows, is_judge_row, judge_rows
from vlmtrust.report.markup import (
    badge,
    ci,
    explain_names,
    fold,
    metric_name,
    metrics_used,
    note,
    notes_html,
    num,
    table,
    underpowered,
)
from vlmtrust.report.paired import paired_verdict
from vlmtrust.report.plots import task_plots
from vlmtrust.report.private_table import private_table_cells, private_tables
from vlmtrust.report.rows import RunRows
from vlmtrust.report.safety_matrix import matrix_metrics, matrix_table, safety_matrices
from vlmtrust.report.summary import cards, headlines
from vlmtrust.report.trajectories import CSS as TRAJECTORY_CSS
from vlmtrust.report.trajectories import trajectories_html
from vlmtrust.store import StoredExample, UnscorableCount

_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;
color:#222}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:12.5px}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{border-radius:8px;padding:10px 12px;border:2px solid #bbb;background:#f7f7f7}
.card h3{margin:0 0 .3em}.card ul{margin:0;padding-left:1.1em;font-size:12.5px}
.pass{border-color:#2e7d32;background:#edf7ee}.fail{border-color:#c62828;background:#fdecec}
.warn{border-color:#ef8f00;background:#fff6e5}.none,.empty{border-color:#999;background:#f4f4f4}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;
border:1px solid}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plot{margin:0;max-width:420px}
.plot figcaption{font-size:11.5px;color:#555}.plot svg{max-width:100%;height:auto}
.gallery{display:flex;flex-wrap:wrap;gap:10px}
.example{border:1px solid #ddd;border-radius:6px;padding:6px;width:270px;font-size:12px}
.example img{width:128px;image-rendering:pixelated;display:block;margin-bottom:4px}
.example .pair{display:flex;gap:4px}
.example pre{white-space:pre-wrap;margin:2px 0;background:#f6f6f6;padding:3px}
.muted{color:#666}details{margin:.4em 0}abbr.metric{text-decoration:underline dotted;cursor:help}
dl.glossary{font-size:12.5px;margin:.3em 0}dl.glossary dd{margin:0 0 .3em 1.5em}
ul.verdicts{list-style:none;padding:0}li.verdict{border-left:6px solid #999;padding:2px 8px;
margin:3px 0}ol.findings li{margin:.4em 0}.critical{border-color:#8e0000}
.high{border-color:#c62828}.medium{border-color:#ef8f00}.low{border-color:#1565c0}
.sev-critical{color:#fff;background:#8e0000}.sev-high{color:#fff;background:#c62828}
.sev-medium{background:#ffe0a3}.sev-low{background:#dbe9fb}
details.fold>summary{margin:.8em 0 .3em;cursor:pointer}
"""
_CSS += TRAJECTORY_CSS + "\n"


def page_css() -> str:
    """The report's style sheet, for other pages written in its look (the history)."""
    return _CSS


def render_html(runs: Sequence[RunRows], gates: Sequence[GateResult] = ()) -> str:
    rows = [row for run in runs for row in run.rows]
    tasks_by_pillar: dict[str, list[str]] = {p: [] for p in PILLARS}
    for row in rows:
        names = tasks_by_pillar.setdefault(pillar_of(row.task), [])
        if row.task not in names:
            names.append(row.task)
    title = "vlmtrust report: " + ", ".join(dict.fromkeys(r.model_name for r in runs))
    common, single = shared(list(runs)) if len(runs) > 1 else ([], 0)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        findings_html(all_findings(runs), tasks_by_pillar),
        f'<p class="muted">vlmtrust {escape(version("vlmtrust"))}, written '
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Every rate shows its 95% "
        "interval and the n it rests on; unscorable judgements are never counted.</p>",
        cards(tasks_by_pillar, rows, gates, headlines(runs), _data_lines(runs)),
        _gates(gates),
        _comparison(runs, common, single),
    ]
    for pillar, tasks in tasks_by_pillar.items():
        parts.append(f'<section id="pillar-{escape(pillar)}"><h2>{escape(pillar)}</h2>')
        if not tasks:
            parts.append("<p>No tasks run for this pillar.</p>")
        if pillar == "safety":
            parts.append(_safety_matrix(rows))
        if pillar == "privacy":
            parts.append(_private_computation(rows))
        for task in tasks:
            parts.append(_task_section(task, runs, gates))
        parts.append("</section>")
    parts.append(_provenance(runs, _nothing_shared(runs, common)))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- formatting


def _gates(gates: Sequence[GateResult]) -> str:
    if not gates:
        return (
            '<section id="gates"><h2>Gates</h2><p>No gates were given (pass --fail-on '
            "TASK.METRIC&gt;X to make CI fail on a finding).</p></section>"
        )
    body = [
        [
            badge(g.status),
            explain_names(g.gate.text, [g.gate.metric]),
            escape(g.bound),
            explain_names(g.message(), [g.gate.metric]),
        ]
        for g in gates
    ]
    listing = table(["status", "gate", "bound compared", "rows judged"], body)
    return f'<section id="gates"><h2>Gates</h2>{listing}</section>'


# --------------------------------------------------------------------------- runs


def _nothing_shared(runs: Sequence[RunRows], common: Sequence[Aligned]) -> str:
    """Provenance's one sentence where several runs share no row (and so no comparison)."""
    if len(runs) < 2 or common:
        return ""
    return (
        f"<p>These {len(runs)} runs share no rows (task, attack, mitigation and metric), so "
        "there is nothing to compare.</p>"
    )


def _comparison(runs: Sequence[RunRows], common: Sequence[Aligned], single: int) -> str:
    """The rows at least two runs share, side by side; no section when they share none."""
    if not common:
        return ""
    labels = [escape(run_label(r)) for r in runs]
    head = ["task", "attack", "mitigation", "metric", f"{labels[0]} (reference)"]
    for label in labels[1:]:
        head += [label, "delta", "real change?"]
    body = []
    for item in common:
        cells = [escape(k) for k in item.key[:3]] + [metric_name(item.key[3])]
        for i, cell in enumerate(item.cells):
            shown = "-" if cell is None else f"{num(cell.value)} {ci(cell)} n={cell.n}"
            cells.append(shown)
            if i:
                delta, change = item.delta(i), item.change(i)
                cells.append("-" if delta is None else f"{delta:+.3f}")
                cells.append("-" if change is None else escape(change.verdict()))
        body.append(cells)
    return (
        '<section id="comparison"><h2>Comparison</h2><p>Rows aligned by task, attack, '
        "mitigation and metric; deltas are each run minus the reference (first) run. "
        f"{len(common)} row(s) shared by at least two runs; {single} row(s) only one run has "
        f"are in the task sections below. {escape(COMPARISON_NOTE)}</p>"
        f"{fold('Shared rows', _shared_what(len(common)), len(common), table(head, body))}"
        "</section>"
    )


def _shared_what(rows: int) -> str:
    return f"{rows} rows, each run's value and its delta from the reference"


def _data_lines(runs: Sequence[RunRows]) -> list[str]:
    """Each distinct data set of the runs, for the pillar cards."""
    return list(dict.fromkeys(run.data_line for run in runs))


def _data_facts(entry: Any) -> list[tuple[str, str]]:
    """The data set's provenance rows: source, rows, fingerprint, counts and warnings."""
    if not isinstance(entry, dict):
        return []
    return [
        ("data set", str(entry.get("name", "?"))),
        ("data rows", str(entry.get("size", "?"))),
        ("data fingerprint", str(entry.get("fingerprint") or "?")),
        ("data rows per split and category", json.dumps(entry.get("counts", {}))),
        *(("data warning", str(w)) for w in entry.get("warnings", [])),
    ]


def _skipped_tasks(run: RunRows) -> list[str]:
    """The pillar tasks the latest complete run left out, with why (a capability the model
    lacks, or samples the data set cannot supply)."""
    done = [e for e in run.history if e.get("status") == "complete"]
    return list((done[-1].get("summary") or {}).get("skipped_tasks", [])) if done else []


def _when(stamp: float | None) -> str:
    return "-" if stamp is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(stamp))


def _provenance(runs: Sequence[RunRows], note: str = "") -> str:
    """Where the numbers come from, last on the page: the findings and their evidence first."""
    out = ['<section id="provenance"><h2>Provenance</h2>', note]
    for run in runs:
        h = run.header
        model = h.get("model", {})
        facts = [
            ("run directory", str(run.run_dir)),
            ("model", f"{model.get('name', '?')} ({model.get('spec', '?')})"),
            ("model fingerprint", str(model.get("fingerprint", "?"))),
            *(("model caveat", str(caveat)) for caveat in model.get("caveats", [])),
            ("vlmtrust version", str(h.get("vlmtrust_version", "?"))),
            ("store schema", str(h.get("schema_version", "?"))),
            ("seed", str(h.get("seed"))),
            ("limit", str(h.get("limit"))),
            ("data", str(h.get("data") or "world generator")),
            *_data_facts(h.get("data_source")),
            *(("task skipped", str(t)) for t in _skipped_tasks(run)),
            ("mitigations", ", ".join(h.get("mitigations", [])) or "none (baseline only)"),
            ("samples per task", json.dumps(h.get("samples", {}), sort_keys=True)),
            ("stored results per task", json.dumps(run.result_counts, sort_keys=True)),
        ]
        out.append(f"<h3>{escape(run_label(run))}</h3>")
        out.append(table(["", ""], [[escape(k), escape(v)] for k, v in facts]))
        specs = {"tasks": h.get("tasks", []), "attacks": h.get("attacks", [])}
        out.append(
            "<details><summary>task and attack specs</summary><pre>"
            f"{escape(json.dumps(specs, indent=1, sort_keys=True))}</pre></details>"
        )
        history = []
        for entry in run.history:
            summary = entry.get("summary") or {}
            took = (
                "-"
                if entry.get("finished") is None
                else f"{entry['finished'] - entry['started']:.1f} s"
            )
            history.append(
                [
                    escape(str(entry["run_id"])),
                    escape(str(entry["status"])),
                    _when(entry.get("started")),
                    took,
                    *(
                        escape(str(summary.get(k, "-")))
                        for k in ("planned", "reused", "executed", "model_calls")
                    ),
                ]
            )
        if history:
            head = ["run", "status", "started (UTC)", "time taken", "planned", "reused", "new"]
            out.append(table([*head, "model calls"], history, numeric=frozenset({3, 4, 5, 6, 7})))
    out.append("</section>")
    return "".join(out)


# --------------------------------------------------------------------------- safety matrix


def _safety_matrix(rows: Sequence[MetricRow]) -> str:
    out = []
    for m in safety_matrices(rows):
        head, body = matrix_table(m)
        out.append(
            f'<section id="safety-matrix"><h3>Attack x defence: {escape(m.model)}</h3>'
            '<p class="muted">Attack success rate per attack (columns) and mitigation (rows); '
            "<code>red_team</code>: share of probes a budgeted search broke. Then each "
            f"mitigation's costs: refusals of benign twins and clean VQA {metric_name('accuracy')}"
            ". 95% intervals, n scorable; - : the run holds no such row.</p>"
        )
        cells = [[escape(c) for c in r] for r in body]
        titles = [
            escape(h) if metric is None else metric_name(metric, shown=h)
            for h, metric in zip(head, matrix_metrics(m), strict=True)
        ]
        out.append(table(titles, cells) + "</section>")
    return "".join(out)


def _private_computation(rows: Sequence[MetricRow]) -> str:
    out = []
    for t in private_tables(rows):
        head, body = private_table_cells(t)
        out.append(
            f'<section id="private-computation"><h3>Private computation: {escape(t.model)}</h3>'
            '<p class="muted">Each private protocol beside the plaintext split, on the same '
            "samples: what it keeps (zero-shot accuracy, agreement with the plaintext argmax, "
            "logit error), what it costs (seconds and bytes per image; x: ratio to the "
            "baseline) and who sees what. 95% intervals, n scorable; - : the run holds no such "
            "row.</p>"
        )
        cells = [[escape(c) for c in r] for r in body]
        out.append(table([escape(h) for h in head], cells) + "</section>")
    for f in federated_tables(rows):
        head, body = federated_table_cells(f)
        out.append(
            f'<section id="private-federated"><h3>Private computation: federated fine-tuning, '
            f"{escape(f.model)}</h3>"
            '<p class="muted">Each federated variant beside the baseline on the trainer\'s '
            "held-out scenes: what it keeps (held-out accuracy; the worst client's accuracy on "
            "its own rows), what it leaks (epsilon with DP; what inverting one client's update "
            "recovers) and what it costs (bytes sent), and who sees what. 95% intervals, n "
            "scenes (a client's: its rows; an inversion's: images); - : the run holds no such "
            "row.</p>"
        )
        cells = [[escape(c) for c in r] for r in body]
        out.append(table([escape(h) for h in head], cells) + "</section>")
    return "".join(out)


# --------------------------------------------------------------------------- tasks


Sourced = tuple[str, MetricRow]


def _sourced(task: str, runs: Sequence[RunRows]) -> list[Sourced]:
    """The task's rows, each with the run it came from: its model's name, or the run's label
    where two runs scanned the same model (so neither a table nor a baseline mixes them up)."""
    mine = [(run, [r for r in run.rows if r.task == task]) for run in runs]
    mine = [(run, rows) for run, rows in mine if rows]
    models = [{r.model for r in rows} for _, rows in mine]
    clash = len(set().union(*models)) < sum(len(m) for m in models)
    return [
        (f"{r.model} ({run.run_dir})" if clash else r.model, r) for run, rows in mine for r in rows
    ]


def _task_section(task: str, runs: Sequence[RunRows], gates: Sequence[GateResult]) -> str:
    sourced = _sourced(task, runs)
    rows = [r for _, r in sourced]
    multi_model = len({label for label, _ in sourced}) > 1
    out = [f'<section class="task" id="task-{escape(task)}"><h3>{escape(task)}</h3>']
    gated = [g for g in gates if g.gate.task == task]
    if gated:
        out.append(
            "<p>"
            + " ".join(
                f"{badge(g.status)} {explain_names(g.gate.text, [g.gate.metric])}" for g in gated
            )
            + "</p>"
        )
    out.append(metrics_used(r.metric for r in rows))
    judges = judge_rows(rows)
    if judges.rows:
        out.append(_judges(judges))
    measured = [(label, r) for label, r in sourced if not is_judge_row(r)]
    idle = [n for run in runs for n in run.not_run if n.task == task]
    out.append(_before_after(measured, multi_model, idle))
    # judge rows once per task, not once per mitigation; a judge's, whichever run stored it
    listed = measured + [(r.model, r) for r in judges.rows]
    rows = [r for _, r in listed]
    head = ["model"] if multi_model else []
    head += ["mitigation", "attack", "metric", "value", "95% interval", "n", "unscorable"]
    body = []
    for label, r in listed:
        cells = [escape(label)] if multi_model else []
        unscorable = r.details.get("n_unscorable", r.details.get("unscorable", ""))
        cells += [
            escape(r.mitigation),
            escape(r.attack),
            metric_name(r.metric),
            num(r.value) + _underpowered_badge(r) + _note_badge(r),
            ci(r),
            str(r.n),
            escape(str(unscorable)),
        ]
        body.append(cells)
    offset = len(head) - 7
    listing = table(head, body, numeric=frozenset({offset + 3, offset + 5, offset + 6}))
    what = "every metric row of this task, by " + ("model, " if multi_model else "")
    what += "mitigation, attack and metric, with its 95% interval and n"
    out.append(fold(f"All rows ({len(rows)})", what, len(rows), listing))
    # every metric the report shows: a note or a caption may name one of another task's
    named = {r.metric for run in runs for r in run.rows}
    out.append(notes_html(rows, named))
    out.append(_unscorable(task, runs))
    plots, left_out = task_plots(rows)
    if plots:
        metrics = {r.metric for r in rows} | named
        figures = "".join(
            f'<figure class="plot">{p.svg}<figcaption>{explain_names(p.title, metrics)}'
            "</figcaption></figure>"
            for p in plots
        )
        out.append(f'<h4>Plots</h4><div class="plots">{figures}</div>')
    if left_out:
        out.append(f'<p class="muted">{left_out} more plot(s) not drawn (cap per task).</p>')
    out.append(_row_images(rows))
    out.append(trajectories_html(task, rows))
    out.append(_gallery(task, [e for run in runs for e in run.examples if e.task == task]))
    out.append("</section>")
    return "".join(out)


def _note_badge(row: MetricRow) -> str:
    text = note(row)
    return "" if text is None else f' <span class="badge" title="{escape(text)}">see note</span>'


def _underpowered_badge(row: MetricRow) -> str:
    why = underpowered(row)
    return (
        ""
        if why is None
        else f' <span class="badge warn" title="{escape(why)}">underpowered</span>'
    )


def _before_after(
    sourced: Sequence[Sourced], by_model: bool = False, idle: Sequence[NotRun] = ()
) -> str:
    """Each mitigated row against its own run's baseline, with a model column (``by_model``)
    where the section holds several models or runs; then one line per mitigation left out
    because it cannot act on the task (instead of rows that could only show no change)."""
    baseline = {(s, r.attack, r.metric): r for s, r in sourced if r.mitigation == "none"}
    body = []
    for source, r in sourced:
        if r.mitigation == "none":
            continue
        before = baseline.get((source, r.attack, r.metric))
        model = [escape(source)] if by_model else []
        if before is None:
            body.append(
                [
                    *model,
                    escape(r.mitigation),
                    escape(r.attack),
                    metric_name(r.metric),
                    "-",
                    f"{num(r.value)} {ci(r)}",
                    "-",
                    "no baseline row",
                ]
            )
            continue
        change = (
            "-" if r.value is None or before.value is None else f"{r.value - before.value:+.3f}"
        )
        body.append(
            [
                *model,
                escape(r.mitigation),
                escape(r.attack),
                metric_name(r.metric),
                f"{num(before.value)} {ci(before)} n={before.n}",
                f"{num(r.value)} {ci(r)} n={r.n}",
                change,
                escape(paired_verdict(r, before)),
            ]
        )
    lines = "".join(
        f'<p class="muted not-run">{escape(line)}</p>'
        for line in dict.fromkeys(n.line() for n in idle)
    )
    if not body and not lines:
        return '<p class="muted">No mitigation was scanned for this task (baseline only).</p>'
    head = ["model"] if by_model else []
    head += ["mitigation", "attack", "metric", "before (none)", "after", "change", "real change?"]
    listing = table(head, body, numeric=frozenset({len(head) - 2})) if body else ""
    what = f"{len(body)} mitigated rows, each against its own run's baseline (none)"
    return fold("Mitigations: before -&gt; after", what, len(body), listing) + lines


def _judges(judges: JudgeRows) -> str:
    body = []
    for r in judges.rows:
        confusion = r.details.get("confusion")
        labels = r.details.get("labels", ["negative", "positive"])
        matrix = "-"
        if isinstance(confusion, list) and len(confusion) == 2:
            (tn, fp), (fn, tp) = confusion
            matrix = (
                f"true {escape(str(labels[0]))}: {tn} / {fp} · "
                f"true {escape(str(labels[1]))}: {fn} / {tp} (predicted neg / pos)"
            )
        cells = [escape(r.mitigation)] if judges.by_mitigation else []
        cells += [
            metric_name(r.metric),
            f"{num(r.value)} {ci(r)}",
            str(r.n),
            matrix,
            escape(str(r.details.get("unscorable", 0))),
        ]
        body.append(cells)
    head = ["mitigation"] if judges.by_mitigation else []
    head += ["judge metric", "value [95%]", "n", "confusion", "unscorable"]
    note = (
        ""
        if judges.by_mitigation
        else '<p class="muted">The judge measured on its own labelled set: the same under '
        "every mitigation, so shown once.</p>"
    )
    numeric = frozenset({len(head) - 3})
    return "<h4>Judge calibration</h4>" + note + table(head, body, numeric=numeric)


def _unscorable(task: str, runs: Sequence[RunRows]) -> str:
    counts: list[tuple[RunRows, UnscorableCount]] = [
        (run, c) for run in runs for c in run.unscorable if c.task == task
    ]
    stored = sum(run.result_counts.get(task, 0) for run in runs)
    if not counts:
        return f'<p class="muted">Unscorable: none of {stored} stored sample results.</p>'
    total = sum(c.count for _, c in counts)
    body = [
        [escape(c.model), escape(c.mitigation), escape(c.attack), escape(c.reason), str(c.count)]
        for _, c in counts
    ]
    return f"<h4>Unscorable: {total} score(s) over {stored} stored sample results</h4>" + table(
        ["model", "mitigation", "attack", "reason", "scores"], body, numeric=frozenset({4})
    )


def _row_images(rows: Sequence[MetricRow]) -> str:
    """Images a task stored as evidence (a recovered trigger, a reconstruction):
    ``details["images"] = {name: base64 PNG}``. Anything that is not base64 is skipped."""
    figures = []
    for r in rows:
        images = r.details.get("images")
        if not isinstance(images, dict):
            continue
        for name, data in images.items():
            if isinstance(data, str) and _BASE64.fullmatch(data):
                figures.append(
                    f'<div class="example"><img alt="{escape(str(name))}" '
                    f'src="data:image/png;base64,{data}"><b>{escape(str(name))}</b> · '
                    f"{metric_name(r.metric)} · {escape(r.attack)} · {escape(r.mitigation)}</div>"
                )
    if not figures:
        return ""
    return f'<h4>Evidence images</h4><div class="gallery">{"".join(figures)}</div>'


def _truth(labels: dict[str, Any]) -> str:
    """A sample's true label: its value alone when it has one, else ``key=value`` pairs."""
    if len(labels) == 1:
        return str(next(iter(labels.values())))
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _gallery(task: str, examples: Sequence[StoredExample]) -> str:
    if not examples:
        return f'<p class="muted" id="gallery-{escape(task)}">No gallery examples stored.</p>'

    by_condition: dict[tuple[str, str, str], list[StoredExample]] = defaultdict(list)
    for e in examples:
        by_condition[(e.model, e.mitigation, e.attack)].append(e)
    cards = []
    for (model, mitigation, attack), members in by_condition.items():
        for e in members:
            image = (
                f'<img alt="sample {escape(e.sample_id)}" '
                f'src="data:image/png;base64,{base64.b64encode(e.image).decode()}">'
                if e.image
                else '<p class="muted">(no image: the attack needs the model)</p>'
            )
            if e.saliency:
                image = (
                    f'<div class="pair">{image}<img class="saliency" '
                    f'alt="saliency of sample {escape(e.sample_id)}" '
                    f'title="what drew the model to its answer (gradient x input)" '
                    f'src="data:image/png;base64,{base64.b64encode(e.saliency).decode()}"></div>'
                )
            verdict = (
                "unscorable" if e.unscorable else f"{metric_name(str(e.metric))} = {num(e.value)}"
            )
            lines = [
                image,
                f"<b>{escape(e.sample_id)}</b> · {escape(attack)} · {escape(mitigation)}"
                f' <span class="muted">{escape(model)}</span>',
                f"<div>verdict: {verdict}"
                + (f" · predicted <b>{escape(e.label)}</b>" if e.label else "")
                + (f" · true <b>{escape(_truth(e.truth))}</b>" if e.truth else "")
                + "</div>",
            ]
            if e.reason:
                lines.append(f"<div>why: {escape(e.reason)}</div>")
            if e.prompt:
                lines.append(f"<div>prompt:</div><pre>{escape(e.prompt)}</pre>")
            if e.response:
                lines.append(f"<div>answer:</div><pre>{escape(e.response)}</pre>")
            cards.append(f'<div class="example">{"".join(lines)}</div>')
    return (
        f'<details id="gallery-{escape(task)}">'
        f"<summary>Evidence gallery ({len(cards)} examples)</summary>"
        f'<div class="gallery">{"".join(cards)}</div></details>'
    )
