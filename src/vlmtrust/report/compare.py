"""Several runs side by side: rows aligned by (task, attack, mitigation, metric), each later
run's value as a delta from the first run (the reference), and whether the change is real.

Two runs usually score the same samples (two models on one seed and limit), so a change is
judged sample by sample where both rows kept per-sample terms: the paired test of
``metrics/paired.py`` on the sample ids both sides scored (McNemar exact for rates, sign-flip
for means), matched regardless of model, with Holm's adjustment across the rows of one
comparison (one later run against the reference); samples only one side has are counted and
said. A row without terms, or whose runs share no sample, falls back to whether the two
unpaired 95% intervals separate, and says so. The comparison lists the rows at least two runs
share (a row missing from one of them shows an empty cell); rows only one run has stay in that
run's task sections, so nothing is dropped from the report, and the comparison says how many
there are."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.paired import ALPHA, PairedChange, PairedTerms, holm, paired_change
from vlmtrust.report.rows import RunRows

Key = tuple[str, str, str, str]
#: how a reader should take the "real change?" column (Markdown and HTML)
COMPARISON_NOTE = (
    "A change is real when the paired test on the samples both runs scored gives Holm p < 0.05 "
    "(Holm across the rows of that run's comparison with the reference); rows without "
    "per-sample terms or shared samples are compared unpaired, by whether the 95% intervals "
    "separate, and say so."
)


@dataclass(frozen=True)
class Change:
    """A later run's row against the reference's: paired on shared samples when it can be,
    else unpaired (``why``), judged by whether the two 95% intervals separate."""

    separates: bool
    #: both rows have a 95% interval (else ``separates`` is False for want of one)
    intervals: bool
    paired: PairedChange | None = None
    #: Holm-adjusted over the paired rows of this comparison
    p_holm: float | None = None
    why: str = ""

    @property
    def real(self) -> bool:
        """Paired: Holm p < 0.05; unpaired: the two intervals separate."""
        if self.paired is not None:
            return self.p_holm is not None and self.p_holm < ALPHA
        return self.separates

    def verdict(self) -> str:
        """The change in words, naming the test and whether the samples matched."""
        p = self.paired
        if p is None:
            seen = (
                "the 95% intervals " + ("separate" if self.separates else "overlap")
                if self.intervals
                else "no 95% interval on one side"
            )
            return f"{'yes' if self.real else 'not shown'} (unpaired, {self.why}: {seen})"
        return (
            f"{'yes' if self.real else 'no'}: paired {p.difference:+.3f} "
            f"[{p.ci_low:+.3f}, {p.ci_high:+.3f}], {p.test} p={p.p_value:.2g}, "
            f"Holm p={self.p_holm:.2g}, {p.n_pairs} pairs; {self.matching()}"
        )

    def matching(self) -> str:
        """Whether the two rows scored the same samples, and how many only one side has."""
        p = self.paired
        if p is None:
            return ""
        if not p.unpaired:
            return "all samples shared"
        return f"{p.unpaired} of {p.n_pairs + p.unpaired} samples not shared"

    def as_json(self) -> dict[str, Any]:
        p = self.paired
        paired = None
        if p is not None:
            paired = {
                "difference": p.difference,
                "ci_low": p.ci_low,
                "ci_high": p.ci_high,
                "test": p.test,
                "p_value": p.p_value,
                "p_holm": self.p_holm,
                "n_pairs": p.n_pairs,
                "unshared": p.unpaired,
                "samples": p.n_pairs + p.unpaired,
                "discordant": None if p.discordant is None else list(p.discordant),
            }
        return {
            "paired": paired,
            "unpaired": None if p is not None else self.why,
            "real": self.real,
            "verdict": self.verdict(),
        }


@dataclass(frozen=True)
class Aligned:
    key: Key
    cells: tuple[MetricRow | None, ...]
    #: per run, its change from the reference (None for the reference and missing cells)
    changes: tuple[Change | None, ...] = ()

    def delta(self, index: int) -> float | None:
        """Run ``index`` minus the reference run (the first), when both have a value."""
        ref, other = self.cells[0], self.cells[index]
        if ref is None or other is None or ref.value is None or other.value is None:
            return None
        return other.value - ref.value

    def separates(self, index: int) -> bool | None:
        ref, other = self.cells[0], self.cells[index]
        if ref is None or other is None:
            return None
        return intervals_separate(ref, other)

    def change(self, index: int) -> Change | None:
        return self.changes[index] if index < len(self.changes) else None


def run_label(run: RunRows) -> str:
    return f"{run.model_name} ({run.run_dir})"


def align(runs: list[RunRows]) -> list[Aligned]:
    keys: dict[Key, None] = {}
    by_run: list[dict[Key, MetricRow]] = []
    for run in runs:
        mine = {(r.task, r.attack, r.mitigation, r.metric): r for r in run.rows}
        by_run.append(mine)
        keys.update(dict.fromkeys(mine))
    return [Aligned(key, tuple(m.get(key) for m in by_run)) for key in keys]


def shared(runs: list[RunRows]) -> tuple[list[Aligned], int]:
    """Aligned rows present in at least two runs, each later run's change from the reference
    judged (Holm across the rows of that run's comparison), and how many rows only one run
    has."""
    items = align(runs)
    common = [i for i in items if sum(c is not None for c in i.cells) >= 2]
    columns = [_column(runs[0], runs[i], common, i) for i in range(1, len(runs))]
    judged = [
        replace(item, changes=(None, *(column[j] for column in columns)))
        for j, item in enumerate(common)
    ]
    return judged, len(items) - len(common)


def _column(
    reference: RunRows, run: RunRows, items: list[Aligned], index: int
) -> list[Change | None]:
    """One later run's changes over the rows, the paired p-values Holm-adjusted together."""
    changes = [_change(reference, run, item.cells[0], item.cells[index]) for item in items]
    tested = [(j, c, c.paired) for j, c in enumerate(changes) if c and c.paired]
    adjusted = holm([paired.p_value for _, _, paired in tested])
    for (j, change, _), p_holm in zip(tested, adjusted, strict=True):
        changes[j] = replace(change, p_holm=p_holm)
    return changes


def _change(
    reference: RunRows,
    run: RunRows,
    before: MetricRow | None,
    after: MetricRow | None,
) -> Change | None:
    """Paired on the sample ids both rows scored, whatever the two models are called."""
    if before is None or after is None:
        return None
    intervals = None not in (before.ci_low, before.ci_high, after.ci_low, after.ci_high)
    unpaired = Change(intervals_separate(before, after), intervals)
    key = (before.task, before.attack, before.mitigation, before.metric)
    then, now = reference.terms.get((*key, before.model)), run.terms.get((*key, after.model))
    if then is None or now is None:
        return replace(unpaired, why="no per-sample terms")
    paired = paired_change(then, now)
    if paired is None:
        return replace(unpaired, why=_why_not_paired(then, now))
    return replace(unpaired, paired=paired)


def _why_not_paired(before: PairedTerms, after: PairedTerms) -> str:
    if before.kind != after.kind:
        return "the terms are of different kinds"
    common = len(set(before.values) & set(after.values))
    samples = len(set(before.values) | set(after.values))
    return "no shared samples" if not common else f"only {common} of {samples} samples shared"


def comparison_json(runs: list[RunRows]) -> list[dict[str, Any]]:
    """The comparison as plain rows for ``--format json`` (documented in the schema)."""
    labels = [run_label(r) for r in runs]
    out = []
    for item in shared(runs)[0]:
        task, attack, mitigation, metric = item.key
        out.append(
            {
                "task": task,
                "attack": attack,
                "mitigation": mitigation,
                "metric": metric,
                "runs": [
                    None if cell is None else _cell_json(labels[i], item, i, cell)
                    for i, cell in enumerate(item.cells)
                ],
            }
        )
    return out


def _cell_json(label: str, item: Aligned, index: int, cell: MetricRow) -> dict[str, Any]:
    change = item.change(index)
    judged = (
        change.as_json()
        if change is not None
        else {"paired": None, "unpaired": None, "real": None, "verdict": None}
    )
    return {
        "run": label,
        "value": cell.value,
        "ci_low": cell.ci_low,
        "ci_high": cell.ci_high,
        "n": cell.n,
        "delta": item.delta(index) if index else None,
        "separates": item.separates(index) if index else None,
        **judged,
    }


def intervals_separate(a: MetricRow, b: MetricRow) -> bool:
    """True when the two 95% intervals do not overlap (``Estimate.separates_from`` on rows;
    not imported from metrics.rates, which would pull scipy into every report)."""
    if a.ci_low is None or a.ci_high is None or b.ci_low is None or b.ci_high is None:
        return False
    return a.ci_low > b.ci_high or b.ci_low > a.ci_high
