"""``vlmtrust report --format github``: a compact Markdown summary for a pull-request comment.

A reviewer reads a PR comment in seconds, so it says only what decides a merge: the gates, the
rows that got worse against the baseline run (paired where the runs scored the same samples,
the same test and Holm adjustment as the comparison in the full report), the worst findings,
and a link to the full HTML report. GitHub cuts comments at 65,536 characters; long lists fold
into ``<details>`` and the summary is trimmed to stay under that, saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vlmtrust.core.records import MetricRow
from vlmtrust.report.compare import Aligned, Change, shared
from vlmtrust.report.findings import all_findings, fix_text, tasks_by_pillar, verdicts
from vlmtrust.report.gates import GateResult
from vlmtrust.report.glossary import explain
from vlmtrust.report.glossary_entries import FAR, HIGHER, LOWER
from vlmtrust.report.rows import RunRows

#: GitHub's limit on a comment body, less room for the trimming note
COMMENT_LIMIT = 65_000
#: regressions and findings shown before the rest folds into <details>
SHOWN = 10
TOP_FINDINGS = 5
STATUS_MARK = {"fail": ":x: fail", "warn": ":warning: warn", "pass": ":white_check_mark: pass"}


@dataclass(frozen=True)
class Regression:
    """A row of this run that moved the bad way from the baseline's, by a real change."""

    before: MetricRow
    after: MetricRow
    change: Change

    @property
    def delta(self) -> float:
        assert self.before.value is not None and self.after.value is not None
        return self.after.value - self.before.value


def to_github(
    runs: Sequence[RunRows],
    gates: Sequence[GateResult],
    baseline: RunRows | None = None,
    report_url: str | None = None,
) -> str:
    """The PR comment: headline, per-pillar verdicts, gates, regressions, top findings, link."""
    worse = regressions(baseline, runs) if baseline is not None else []
    lines = [_headline(gates, worse, baseline is not None), "", _scope(runs)]
    if report_url:
        lines += ["", f"[Full report]({report_url})"]
    lines += ["", "| pillar | verdict |", "| --- | --- |"]
    findings = all_findings(runs)
    for line in verdicts(findings, tasks_by_pillar(runs)):
        pillar, _, rest = line.partition(": ")
        lines.append(f"| {pillar} | {_cell(rest)} |")
    if gates:
        lines += ["", f"### Gates ({len(gates)})", ""]
        lines += [f"- {STATUS_MARK[g.status]} {_inline(g.message())}" for g in gates]
    if baseline is not None:
        lines += ["", *_regressions_section(baseline, worse)]
    if findings:
        lines += ["", f"### Findings (top {min(TOP_FINDINGS, len(findings))} of {len(findings)})"]
        lines.append("")
        for i, f in enumerate(findings[:TOP_FINDINGS], 1):
            lines.append(f"{i}. **{f.severity}** {_inline(f.statement)} ({f.model})")
            lines.append(f"   fix: {_inline(fix_text(f))}")
    lines += ["", "<sub>vlmtrust report --format github</sub>", ""]
    return _fit("\n".join(lines))


def regressions(baseline: RunRows, runs: Sequence[RunRows]) -> list[Regression]:
    """Rows of each run that got worse than the baseline's same row, by a real change (paired
    Holm p < 0.05 on shared samples, else separating 95% intervals); worst first."""
    found = []
    for run in runs:
        common, _single = shared([baseline, run])
        for item in common:
            regression = _regression(item)
            if regression is not None:
                found.append(regression)
    return sorted(found, key=lambda r: -abs(r.delta))


def _regression(item: Aligned) -> Regression | None:
    before, after = item.cells[0], item.cells[1]
    change = item.change(1)
    if before is None or after is None or change is None or not change.real:
        return None
    if before.value is None or after.value is None:
        return None
    entry = explain(after.metric)
    bad = entry.bad if entry is not None else None
    delta = after.value - before.value
    worse = (
        (bad == HIGHER and delta > 0)
        or (bad == LOWER and delta < 0)
        or (bad == FAR and abs(after.value) > abs(before.value))
    )
    return Regression(before, after, change) if worse else None


def _regressions_section(baseline: RunRows, worse: list[Regression]) -> list[str]:
    title = f"### Regressions against the baseline `{baseline.run_dir}` ({baseline.model_name})"
    if not worse:
        return [
            title,
            "",
            "None: no shared row moved the bad way by a real change (paired Holm p < 0.05, "
            "or separating 95% intervals where the rows kept no per-sample terms).",
        ]
    lines = [
        title,
        "",
        f"{len(worse)} row(s) moved the bad way by a real change (paired Holm p < 0.05, or "
        "separating 95% intervals where the rows kept no per-sample terms); worst first.",
        "",
    ]
    table = ["| task | attack | mitigation | metric | baseline | this run | change | test |"]
    table.append("| --- | --- | --- | --- | ---: | ---: | ---: | --- |")
    rows = [_regression_row(r) for r in worse]
    lines += [*table, *rows[:SHOWN]]
    if len(rows) > SHOWN:
        lines += ["", f"<details><summary>{len(rows) - SHOWN} more</summary>", ""]
        lines += [*table, *rows[SHOWN:], "", "</details>"]
    return lines


def _regression_row(r: Regression) -> str:
    a = r.after
    paired = r.change.paired
    if paired is not None:
        test = (
            f"{paired.test}, Holm p={r.change.p_holm:.2g}, {paired.n_pairs} pairs; "
            f"[{paired.ci_low:+.3f}, {paired.ci_high:+.3f}]"
        )
    else:
        test = f"unpaired ({r.change.why}): 95% intervals separate"
    cells = (
        a.task,
        a.attack,
        a.mitigation,
        f"`{a.metric}`",
        _value(r.before),
        _value(a),
        f"{r.delta:+.3f}",
        test,
    )
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _headline(gates: Sequence[GateResult], worse: list[Regression], compared: bool) -> str:
    failed = sum(1 for g in gates if g.status == "fail")
    parts = []
    if gates:
        parts.append(f"{failed} of {len(gates)} gate(s) failed" if failed else "all gates pass")
    if compared:
        parts.append(f"{len(worse)} regression(s) against the baseline")
    mark = ":x:" if failed else (":warning:" if worse else ":white_check_mark:")
    if not parts:
        return f"## vlmtrust: {mark} no gates set"
    return f"## vlmtrust: {mark} " + ", ".join(parts)


def _scope(runs: Sequence[RunRows]) -> str:
    """Which model(s) and data the numbers rest on, one line per run."""
    out = []
    for run in runs:
        header = run.header
        tasks = len({row.task for row in run.rows})
        out.append(
            f"- **{run.model_name}** (`{run.run_dir}`): {tasks} task(s), seed "
            f"{header.get('seed', '?')}, limit {header.get('limit', '-')}, data: {run.data_line}"
        )
    return "\n".join(out)


def _value(row: MetricRow) -> str:
    if row.value is None:
        return "-"
    if row.ci_low is None or row.ci_high is None:
        return f"{row.value:.3f} (n={row.n})"
    return f"{row.value:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}] (n={row.n})"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, no line breaks."""
    return _inline(text).replace("|", "\\|")


def _inline(text: str) -> str:
    return " ".join(text.split())


def _fit(text: str) -> str:
    """Trim to GitHub's comment limit at a line boundary, saying what was cut."""
    if len(text) <= COMMENT_LIMIT:
        return text
    cut = text[:COMMENT_LIMIT].rsplit("\n", 1)[0]
    return cut + "\n\n(summary trimmed to GitHub's comment limit: see the full report)\n"


__all__: Sequence[str] = ("Regression", "regressions", "to_github")
