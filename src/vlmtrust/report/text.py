"""JSON (for tools and CI gates) and Markdown (for humans and PR comments) reports."""

from __future__ import annotations

import json
from importlib.metadata import version

from vlmtrust.core.records import MetricRow
from vlmtrust.report.rows import RunRows


def to_json(runs: list[RunRows]) -> str:
    """A small header, then the stable metric rows of every run."""
    doc = {
        "vlmtrust_version": version("vlmtrust"),
        "runs": [{"run_dir": str(r.run_dir), "header": r.header} for r in runs],
        "rows": [row.model_dump(mode="json") for r in runs for row in r.rows],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def to_markdown(runs: list[RunRows]) -> str:
    lines = ["# vlmtrust report", ""]
    for run in runs:
        model = run.header.get("model", {})
        lines += [
            f"## {model.get('name', '?')} ({run.run_dir})",
            "",
            f"- model fingerprint: `{str(model.get('fingerprint', '?'))[:16]}`",
            f"- seed: {run.header.get('seed')}, limit: {run.header.get('limit')}, "
            f"data: {run.header.get('data') or 'world generator'}",
            "",
            "| task | mitigation | attack | metric | value | 95% CI | n |",
            "| --- | --- | --- | --- | ---: | --- | ---: |",
        ]
        lines += [_row(row) for row in run.rows]
        lines.append("")
    return "\n".join(lines)


def _row(row: MetricRow) -> str:
    ci = "-" if row.ci_low is None else f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"
    value = "n/a" if row.value is None else f"{row.value:.3f}"
    return (
        f"| {row.task} | {row.mitigation} | {row.attack} | {row.metric} | {value} | {ci} "
        f"| {row.n} |"
    )
