"""JSON (for tools and CI gates) and Markdown (for humans and PR comments) reports.

The JSON document follows ``report/schema/report.schema.json`` (shipped in the package).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.report.compare import (
    COMPARISON_NOTE,
    Aligned,
    comparison_json,
    run_label,
    shared,
)
from vlmtrust.report.federated_table import federated_json, federated_markdown, federated_tables
from vlmtrust.report.findings import all_findings, findings_markdown, tasks_by_pillar, verdicts
from vlmtrust.report.gates import GateResult
from vlmtrust.report.glossary import used
from vlmtrust.report.judges import JudgeRows, is_judge_row, judge_rows
from vlmtrust.report.markup import note, underpowered
from vlmtrust.report.paired import paired_markdown
from vlmtrust.report.private_table import private_json, private_markdown, private_tables
from vlmtrust.report.rows import RunRows
from vlmtrust.report.safety_matrix import matrix_json, matrix_markdown, safety_matrices


def to_json(runs: list[RunRows], gates: Sequence[GateResult] = ()) -> str:
    """A small header, then the stable metric rows of every run (and gates, comparison)."""
    doc: dict[str, Any] = {
        "vlmtrust_version": version("vlmtrust"),
        "runs": [{"run_dir": str(r.run_dir), "header": r.header} for r in runs],
        "rows": [row.model_dump(mode="json") for r in runs for row in r.rows],
        "gates": [_gate_json(g) for g in gates],
        "verdicts": verdicts(all_findings(runs), tasks_by_pillar(runs)),
        "findings": [f.model_dump(mode="json") for f in all_findings(runs)],
        "not_run": [n.header_entry() for r in runs for n in r.not_run],
    }
    if len(runs) > 1:
        doc["comparison"] = comparison_json(runs)
    matrices = safety_matrices([row for r in runs for row in r.rows])
    if matrices:
        doc["safety_matrix"] = matrix_json(matrices)
    private = private_tables([row for r in runs for row in r.rows])
    if private:
        doc["private_computation"] = private_json(private)
    federated = federated_tables([row for r in runs for row in r.rows])
    if federated:
        doc["private_federated"] = federated_json(federated)
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _gate_json(result: GateResult) -> dict[str, Any]:
    return {
        "gate": result.gate.text,
        "status": result.status,
        "violated": result.violated,
        "bound": result.bound,
        "rows": [
            {
                "task": v.row.task,
                "attack": v.row.attack,
                "mitigation": v.row.mitigation,
                "metric": v.row.metric,
                "model": v.row.model,
                "compared": v.compared,
                "violated": v.violated,
            }
            for v in result.verdicts
        ],
    }


def to_markdown(runs: list[RunRows], gates: Sequence[GateResult] = ()) -> str:
    lines = ["# vlmtrust report", ""]
    lines += findings_markdown(all_findings(runs), tasks_by_pillar(runs))
    if gates:
        lines += ["## Gates", ""]
        lines += [f"- **{g.status}** {g.message()}" for g in gates]
        lines.append("")
    for run in runs:
        lines += [
            f"## {run.model_name} ({run.run_dir})",
            "",
            "| task | mitigation | attack | metric | value | 95% CI | n |",
            "| --- | --- | --- | --- | ---: | --- | ---: |",
        ]
        measured = [row for row in run.rows if not is_judge_row(row)]
        lines += [_row(row) for row in measured]
        lines.append("")
        lines += _notes(measured)
        lines += _judges(judge_rows(run.rows))
        lines += paired_markdown(measured, run.not_run)
        lines += _metrics(run.rows)
    lines += matrix_markdown(safety_matrices([row for r in runs for row in r.rows]))
    lines += private_markdown(private_tables([row for r in runs for row in r.rows]))
    lines += federated_markdown(federated_tables([row for r in runs for row in r.rows]))
    common, single = shared(runs) if len(runs) > 1 else ([], 0)
    lines += _comparison(runs, common, single)
    lines += _provenance(runs, nothing_shared=len(runs) > 1 and not common)
    return "\n".join(lines)


def _provenance(runs: list[RunRows], nothing_shared: bool) -> list[str]:
    """Where each run's numbers come from, last (as in the HTML report): findings first."""
    lines = ["## Provenance", ""]
    if nothing_shared:
        lines += [f"These {len(runs)} runs share no rows, so there is nothing to compare.", ""]
    for run in runs:
        model = run.header.get("model", {})
        lines += [
            f"### {run.model_name} ({run.run_dir})",
            "",
            f"- model fingerprint: `{str(model.get('fingerprint', '?'))[:16]}`",
            *(f"- model caveat: {caveat}" for caveat in model.get("caveats", [])),
            f"- seed: {run.header.get('seed')}, limit: {run.header.get('limit')}, "
            f"data: {run.header.get('data') or 'world generator'}",
            *([f"- data set: {run.data_line}"] if run.header.get("data_source") else []),
            "",
        ]
    return lines


def _judges(judges: JudgeRows) -> list[str]:
    """Judge-calibration rows once per task (a mitigation column only when copies differ)."""
    if not judges.rows:
        return []
    extra = ["mitigation"] if judges.by_mitigation else []
    head = ["task", *extra, "judge metric", "value", "95% CI", "n"]
    lines = [
        "### Judge calibration",
        "",
        "Each judge measured on its own labelled set"
        + ("." if judges.by_mitigation else ": the same under every mitigation, so shown once."),
        "",
        "| " + " | ".join(head) + " |",
        "| --- |" + (" --- |" if extra else "") + " --- | ---: | --- | ---: |",
    ]
    for row in judges.rows:
        cells = [row.task, *([row.mitigation] if extra else []), row.metric]
        cells += [_value(row), _ci(row), str(row.n)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _comparison(runs: list[RunRows], common: list[Aligned], single: int) -> list[str]:
    """The rows at least two runs share; nothing when they share none."""
    if not common:
        return []
    labels = [run_label(r) for r in runs]
    head = ["task", "attack", "mitigation", "metric", f"{labels[0]} (reference)"]
    for label in labels[1:]:
        head += [label, "delta", "real change?"]
    lines = [
        "## Comparison",
        "",
        f"{len(common)} row(s) shared by at least two runs ({single} in one run only, above).",
        COMPARISON_NOTE,
        "",
        "| " + " | ".join(head) + " |",
        "|" + " --- |" * len(head),
    ]
    for item in common:
        cells = list(item.key)
        for i, cell in enumerate(item.cells):
            cells.append("-" if cell is None else f"{_value(cell)} {_ci(cell)}")
            if i:
                delta, change = item.delta(i), item.change(i)
                cells.append("-" if delta is None else f"{delta:+.3f}")
                cells.append("-" if change is None else change.verdict())
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _metrics(rows: Sequence[MetricRow]) -> list[str]:
    """Per task, a "Metrics" list: what each metric its rows use measures (``glossary``)."""
    out: list[str] = []
    for task in sorted({r.task for r in rows}):
        entries = used({r.metric for r in rows if r.task == task})
        if entries:
            out += [f"### Metrics: {task}", ""]
            out += [
                f"- `{e.name}`: {e.measures}. **{e.bad}**; reference: {e.reference}."
                for e in entries
            ]
            out.append("")
    return out


def _value(row: MetricRow) -> str:
    value = "n/a" if row.value is None else f"{row.value:.3f}"
    why = underpowered(row)
    value = value if why is None else f"{value} ({why})"
    return value if note(row) is None else f"{value} (see note)"


def _notes(rows: Sequence[MetricRow]) -> list[str]:
    """One line per row whose task wrote a note on how to read its number."""
    lines = [
        f"- note on {r.task} `{r.metric}` ({r.mitigation} · {r.attack}): {text}"
        for r in rows
        if (text := note(r)) is not None
    ]
    return [*lines, ""] if lines else []


def _ci(row: MetricRow) -> str:
    return "-" if row.ci_low is None else f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"


def _row(row: MetricRow) -> str:
    return (
        f"| {row.task} | {row.mitigation} | {row.attack} | {row.metric} | {_value(row)} "
        f"| {_ci(row)} | {row.n} |"
    )


def report_schema() -> dict[str, Any]:
    """The JSON Schema of ``to_json``'s output, shipped in the package."""
    from importlib.resources import files

    text = files("vlmtrust.report").joinpath("schema/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
