"""Gates against a baseline run (``--baseline RUN_DIR``): block regressions, not levels.

A baseline gate (``TASK[...].METRIC OP baseline +- MARGIN``, see ``report/gates.py``) compares
each matching row of the current run with the same row (task, attack, mitigation, metric) of
the baseline run. Both runs keep every row's per-sample terms in their stores, so the change is
judged on the samples both scored, with the paired test (McNemar exact for rates, sign-flip for
means; ``metrics/paired.py``); the chosen bound of the paired difference's interval is what is
compared with the margin. Rows whose runs share no scored sample, or whose metric has no
per-sample terms, are compared unpaired (Newcombe's interval of the two rows), and the message
says which it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.paired import PairedTerms, paired_change
from vlmtrust.metrics.rates import Estimate, difference
from vlmtrust.report.gates import Bound, Gate, GateResult, RowVerdict
from vlmtrust.report.terms import TermsKey, load_terms
from vlmtrust.store import ResultStore


@dataclass(frozen=True)
class Baseline:
    """The baseline run's rows and terms, and the current runs' terms to pair them with."""

    run_dir: Path
    rows: Sequence[MetricRow]
    terms: Mapping[TermsKey, PairedTerms]
    current_terms: Mapping[TermsKey, PairedTerms]

    @classmethod
    def load(cls, run_dir: Path, current: Sequence[Path]) -> Baseline:
        with ResultStore.open_existing(run_dir) as store:
            rows = store.metrics()
        return cls(run_dir, rows, load_terms([run_dir]), load_terms(current))

    def evaluate(self, gate: Gate, matched: Sequence[MetricRow], bound: Bound) -> GateResult:
        """By default (``conservative``) a baseline gate fails on evidence of a regression:
        when the whole paired interval lies beyond the margin (its lower end for ``>``), and
        warns when it straddles; proving no change at all would fail every noisy re-run."""
        evidence = "lower" if gate.op.startswith(">") else "upper"
        chosen = bound if bound != "conservative" else evidence
        return GateResult(gate, chosen, tuple(self._verdict(gate, r, chosen) for r in matched))

    def _before(self, row: MetricRow) -> MetricRow | None:
        """The baseline's row for ``row``: the same model's, else the only one there is."""
        same = [
            r
            for r in self.rows
            if (r.task, r.attack, r.mitigation, r.metric)
            == (row.task, row.attack, row.mitigation, row.metric)
        ]
        mine = [r for r in same if r.model == row.model]
        return mine[0] if mine else (same[0] if len(same) == 1 else None)

    def _verdict(self, gate: Gate, row: MetricRow, bound: str) -> RowVerdict:
        before = self._before(row)
        if before is None:
            note = f"no such row in the baseline run {self.run_dir}"
            return RowVerdict(row, None, bound, violated=True, straddles=False, note=note)
        if row.value is None or before.value is None:
            note = "no value in " + ("this run" if row.value is None else "the baseline run")
            return RowVerdict(row, None, bound, violated=True, straddles=False, note=note)
        change, note = self._change(row, before)
        picked = {"upper": change.ci_high, "lower": change.ci_low, "point": change.value}[bound]
        used = bound if picked is not None else "point"
        delta = picked if picked is not None else change.value
        assert delta is not None
        # a baseline gate's threshold is its margin: the change itself is compared with it
        violated = gate.fails_when(delta)
        ends = [x for x in (change.ci_low, change.ci_high) if x is not None]
        straddles = not violated and any(gate.fails_when(x) for x in ends)
        # what is compared with the margin is the change itself (this run minus the baseline)
        return RowVerdict(row, delta, f"{used} change vs baseline", violated, straddles, note)

    def _change(self, row: MetricRow, before: MetricRow) -> tuple[Estimate, str]:
        """This run minus the baseline: paired on shared samples where both have terms."""
        key = (row.task, row.attack, row.mitigation, row.metric)
        now, then = self.current_terms.get((*key, row.model)), self.terms.get((*key, before.model))
        paired = paired_change(then, now) if now is not None and then is not None else None
        if paired is not None:
            note = (
                f"paired {paired.test} vs baseline: {paired.difference:+.3f} "
                f"[{paired.ci_low:+.3f}, {paired.ci_high:+.3f}], p={paired.p_value:.2g}, "
                f"{paired.n_pairs} pairs"
            )
            estimate = Estimate(paired.difference, paired.ci_low, paired.ci_high, paired.n_pairs)
            return estimate, note
        why = "no per-sample terms" if now is None or then is None else "no shared samples"
        unpaired = _unpaired(row, before)
        return unpaired, f"unpaired ({why}): {unpaired.value:+.3f} vs baseline"


def _unpaired(row: MetricRow, before: MetricRow) -> Estimate:
    """Newcombe's interval of the difference of two rates with intervals; else the plain
    difference with no interval (compared on its point value)."""
    assert row.value is not None and before.value is not None
    now, then = (Estimate(r.value, r.ci_low, r.ci_high, r.n) for r in (row, before))
    rates = all(0.0 <= (r.value or 0.0) <= 1.0 for r in (row, before))
    if rates and None not in (row.ci_low, row.ci_high, before.ci_low, before.ci_high):
        return difference(now, then)
    return Estimate(row.value - before.value, None, None, min(row.n, before.n))
