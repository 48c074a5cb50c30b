"""How a report says whether a mitigation's change is real: by the paired test on the same
samples the run attached to the row (``details["paired"]``, see ``runner/paired.py``), and only
where a row has none by whether the two unpaired intervals separate, said as such."""

from __future__ import annotations

from collections.abc import Sequence

from vlmtrust.core.records import MetricRow, NotRun
from vlmtrust.report.compare import intervals_separate


def paired_verdict(row: MetricRow, before: MetricRow) -> str:
    """Whether a change is real: the paired test on the same samples where the row has one
    (difference, its interval, p and Holm-adjusted p), else only whether the two unpaired
    intervals separate, said as such."""
    paired = row.details.get("paired")
    if isinstance(paired, dict):
        verdict = "yes" if paired.get("real") else "no"
        return (
            f"{verdict}: paired {paired['difference']:+.3f} "
            f"[{paired['ci_low']:+.3f}, {paired['ci_high']:+.3f}], {paired['test']} "
            f"p={paired['p_value']:.2g}, Holm p={paired['p_holm']:.2g}, "
            f"{paired['n_pairs']} pairs"
        )
    if intervals_separate(row, before):
        return "yes (unpaired: the 95% intervals separate)"
    return "not shown (unpaired: the 95% intervals overlap)"


def paired_markdown(rows: Sequence[MetricRow], idle: Sequence[NotRun] = ()) -> list[str]:
    """A Markdown table of every mitigated row's paired change from the baseline, then a line
    per task a mitigation was left out of because it cannot act on it."""
    baseline = {(r.task, r.model, r.attack, r.metric): r for r in rows if r.mitigation == "none"}
    lines = []
    for r in rows:
        before = baseline.get((r.task, r.model, r.attack, r.metric))
        if r.mitigation != "none" and before is not None:
            cells = [r.task, r.mitigation, r.attack, r.metric, paired_verdict(r, before)]
            lines.append("| " + " | ".join(cells) + " |")
    not_run = list(dict.fromkeys(f"- {n.task}: {n.line()}" for n in idle))
    if not lines and not not_run:
        return []
    out = ["### Mitigations: is the change real?", ""]
    if lines:
        out += [
            "| task | mitigation | attack | metric | real change? |",
            "| --- | --- | --- | --- | --- |",
            *lines,
            "",
        ]
    return out + ([*not_run, ""] if not_run else [])
