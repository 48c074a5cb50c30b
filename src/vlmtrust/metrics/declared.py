"""Metrics a task declares instead of building rows by hand (the shape of Inspect AI's
``@scorer(metrics=[accuracy(), stderr()])`` and ``grouped(metric, key)``, and of Fairlearn's
``MetricFrame.by_group``).

A task scores samples; it lists what to compute from those scores::

    metrics = (rate("correct", "accuracy"), drop_from_clean(rate("correct", "accuracy")),
               by_group(rate("correct", "accuracy"), key="group"))

and :func:`metric_rows` computes each per condition and stamps task, attack, mitigation and
model on every row in one place. Every estimate carries its n, its 95% interval and how many
scores were unscorable (``details["n_unscorable"]``); unscorable scores are never counted.

Condition-wise building blocks: an :class:`Estimator` (``rate``, ``mean``, ``bootstrap_mean``
of any per-sample statistic) may add details fixed or computed from the condition's scores;
``change_from`` a reference condition (the clean one, a baseline attack), ``attacked_only``,
``split_by`` a score-details key, ``on`` a view of the scores (``where``: a subset of scores
and conditions); and where the science needs its own estimate (AUROC, ECE, a scan),
``per_condition`` or ``custom`` functions return estimates the framework still stamps. A task
whose metrics depend on its parameters returns them from ``Task.declared_metrics()``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from vlmtrust.core.columns import ScoreColumns
from vlmtrust.core.records import MetricRow, Score
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.paired import Kind, PairedTerms
from vlmtrust.metrics.rates import (
    DEFAULT_RESAMPLES,
    Estimate,
    difference,
    wilson,
)
from vlmtrust.metrics.rates import rate as wilson_rate

#: the attack label of the clean condition
CLEAN = "none"
Scores = Mapping[str, Sequence[Score]]
#: the same scores as columns (``core.columns``), keyed by attack label
Columns = Mapping[str, ScoreColumns]


@dataclass(frozen=True)
class Computed:
    """One estimate of one metric under one condition, with what its row adds to details."""

    attack: str
    metric: str
    estimate: Estimate
    details: Mapping[str, Any] = field(default_factory=dict)
    #: False: the row leaves out the task's shared details (``Task.row_details``)
    shared: bool = True
    #: False: the row leaves out the estimate's ``n_unscorable`` (its details may say their own)
    unscorable: bool = True


class Declared(ABC):
    """A metric a task declares: a name, and how to estimate it from the task's scores."""

    name: str

    @abstractmethod
    def compute(self, scores: Scores) -> list[Computed]:
        """Estimates from scores keyed by attack label (one per condition, or fewer)."""

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        """Per (attack, metric) row, the per-sample terms a paired before -> after test reads
        (``metrics.paired``); none by default (a metric with no per-sample form)."""
        return {}

    def by_columns(self) -> bool:
        """Whether ``compute_columns`` and ``terms_columns`` give what ``compute`` and
        ``terms`` give, from score columns (no Score objects): only metrics that need counts
        and 0/1 vectors say yes (their results are the same to the bit)."""
        return False

    def compute_columns(self, columns: Columns) -> list[Computed]:
        """``compute`` from columns (only where ``by_columns``)."""
        raise NotImplementedError(f"{type(self).__name__} has no column form")

    def terms_columns(
        self, columns: Columns, ids: Sequence[str]
    ) -> dict[tuple[str, str], PairedTerms]:
        """``terms`` from columns, ``ids[position]`` naming each sample (where ``by_columns``)."""
        return {}


def _of(scores: Sequence[Score], score_metric: str | None) -> list[Score]:
    return [s for s in scores if score_metric is None or s.metric == score_metric]


#: what a row of an estimator adds to details: fixed, or computed from the condition's scores
Details = Mapping[str, Any] | Callable[[Sequence[Score]], Mapping[str, Any]]


@dataclass(frozen=True)
class Estimator(Declared):
    """A per-condition estimate of one kind of score (``rate``, ``mean``); ``score_metric``
    None takes every score of the condition, whatever its metric."""

    score_metric: str | None
    name: str
    estimate: Callable[[Sequence[Score]], Estimate]
    details: Details = field(default_factory=dict)
    shared: bool = True
    unscorable: bool = True
    #: the per-sample term the estimate is the rate or mean of, for paired tests
    term: Callable[[Score], float] | None = None
    pairing: Kind | None = None

    def computed(self, attack: str, scores: Sequence[Score], metric: str | None = None) -> Computed:
        """This estimate of ``scores`` (filtered to ``score_metric``) as one condition's row."""
        mine = _of(scores, self.score_metric)
        details = self.details(mine) if callable(self.details) else self.details
        est = self.estimate(mine)
        # the bounds follow the row's own unscorable count (opted out, or counted its own way:
        # no bounds from ours)
        counted = self.unscorable and "n_unscorable" not in details
        if self.pairing == "binary" and est.n_unscorable and counted:
            details = {**details, "unscorable_bounds": unscorable_bounds(est)}
        return Computed(attack, metric or self.name, est, details, self.shared, self.unscorable)

    def compute(self, scores: Scores) -> list[Computed]:
        return [self.computed(attack, found) for attack, found in scores.items()]

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        out = {}
        for attack, found in scores.items():
            made = self.terms_of(found)
            if made is not None:
                out[attack, self.name] = made
        return out

    def terms_of(self, scores: Sequence[Score]) -> PairedTerms | None:
        """The scorable scores' terms by sample id; None without a term, or where a sample
        has several scores of this kind (nothing to pair one to one)."""
        if self.term is None or self.pairing is None:
            return None
        kept = [s for s in _of(scores, self.score_metric) if not s.unscorable]
        values = {s.sample_id: self.term(s) for s in kept}
        if len(values) < len(kept):
            return None
        return PairedTerms(self.pairing, values)

    def by_columns(self) -> bool:
        # a Wilson rate of 0/1 values with fixed details: counts are all it reads
        return self.estimate is wilson_rate and not callable(self.details)

    def computed_columns(self, attack: str, columns: ScoreColumns) -> Computed:
        """``computed`` from columns."""
        est = rate_of_columns(columns.of(self.score_metric))
        details = self.details if not callable(self.details) else {}
        counted = self.unscorable and "n_unscorable" not in details
        if self.pairing == "binary" and est.n_unscorable and counted:
            details = {**details, "unscorable_bounds": unscorable_bounds(est)}
        return Computed(attack, self.name, est, details, self.shared, self.unscorable)

    def compute_columns(self, columns: Columns) -> list[Computed]:
        return [self.computed_columns(attack, found) for attack, found in columns.items()]

    def terms_columns(
        self, columns: Columns, ids: Sequence[str]
    ) -> dict[tuple[str, str], PairedTerms]:
        out = {}
        for attack, found in columns.items():
            made = self.terms_of_columns(found, ids)
            if made is not None:
                out[attack, self.name] = made
        return out

    def terms_of_columns(self, columns: ScoreColumns, ids: Sequence[str]) -> PairedTerms | None:
        """``terms_of`` from columns (a rate's term is the 0/1 value itself)."""
        if self.term is None or self.pairing is None:
            return None
        kept = columns.of(self.score_metric)
        kept = kept.where(~kept.unscorable)
        values = {ids[int(p)]: _or_zero(v) for p, v in zip(kept.position, kept.value, strict=True)}
        if len(values) < len(kept):
            return None
        return PairedTerms(self.pairing, values)


def _or_zero(value: float) -> float:
    """``float(score.value or 0.0)`` of a column value (NaN stands for None)."""
    return 0.0 if value != value else float(value or 0.0)


def rate_of_columns(columns: ScoreColumns) -> Estimate:
    """``rates.rate`` of the scores as columns: the same counts, so the same estimate."""
    scorable = ~columns.unscorable
    n = int(scorable.sum())
    skipped = len(columns) - n
    if not n:
        return Estimate(None, None, None, 0, skipped)
    values = columns.value[scorable]
    bad = ~((values == 0.0) | (values == 1.0))
    if bad.any():
        found = float(values[bad][0])
        raise ValueError(f"rate() needs 0/1 scores, got {found} (a score as columns)")
    hits = int((values == 1.0).sum())
    low, high = wilson(hits, n)
    return Estimate(hits / n, low, high, n, skipped)


def unscorable_bounds(estimate: Estimate) -> list[float]:
    """[low, high]: the rate if every unscorable item had been a 0, or every one a 1, so a
    reader sees how far what the judge could not decide might move the number."""
    total = estimate.n + estimate.n_unscorable
    ones = round((estimate.value or 0.0) * estimate.n)
    return [ones / total, (ones + estimate.n_unscorable) / total]


def rate(score_metric: str | None, name: str | None = None, **options: Any) -> Estimator:
    """Share of 0/1 scores equal to 1, with a Wilson 95% interval (``options``: Estimator's
    ``details``, ``shared``, ``unscorable``)."""
    name = name or score_metric or "rate"
    return Estimator(score_metric, name, wilson_rate, term=_value, pairing="binary", **options)


def _value(score: Score) -> float:
    return float(score.value or 0.0)


def mean(
    score_metric: str, name: str | None = None, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Estimator:
    """Mean of the scores' values with a percentile-bootstrap 95% interval (seeded)."""
    return bootstrap_mean(score_metric, name, resamples=resamples, seed=seed)


def bootstrap_mean(
    score_metric: str | None,
    name: str | None = None,
    statistic: Callable[[Score], float] = lambda s: float(s.value or 0.0),
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    **options: Any,
) -> Estimator:
    """Mean of a per-sample ``statistic`` of the scorable scores (default: the value) with a
    seeded percentile-bootstrap 95% interval (:func:`bootstrap_interval`'s draws)."""

    estimate = scorable_only(
        lambda kept: mean_estimate([statistic(s) for s in kept], resamples, seed)
    )
    name = name or score_metric or "mean"
    return Estimator(score_metric, name, estimate, term=statistic, pairing="continuous", **options)


def scorable_only(
    estimate: Callable[[list[Score]], Estimate],
) -> Callable[[Sequence[Score]], Estimate]:
    """``estimate`` of the scorable scores, counting the rest as unscorable."""

    def on_scorable(scores: Sequence[Score]) -> Estimate:
        kept = [s for s in scores if not s.unscorable]
        return replace(estimate(kept), n_unscorable=len(scores) - len(kept))

    return on_scorable


@dataclass(frozen=True)
class DropFromClean(Declared):
    """Clean minus attacked, for every attacked condition (Newcombe's interval for rates)."""

    of: Estimator
    name: str

    def compute(self, scores: Scores) -> list[Computed]:
        return change_from(self.of, CLEAN, self.name, drop=True).compute(scores)

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        """Per sample, its clean term minus its attacked one (the drop is their mean): only
        where both conditions scored exactly the same samples, so the mean is the row."""
        clean = self.of.terms_of(scores.get(CLEAN, ()))
        return self._drops(clean, ((a, partial(self.of.terms_of, f)) for a, f in scores.items()))

    def by_columns(self) -> bool:
        return self.of.by_columns()

    def compute_columns(self, columns: Columns) -> list[Computed]:
        return change_from(self.of, CLEAN, self.name, drop=True).compute_columns(columns)

    def terms_columns(
        self, columns: Columns, ids: Sequence[str]
    ) -> dict[tuple[str, str], PairedTerms]:
        clean_columns = columns.get(CLEAN)
        clean = None if clean_columns is None else self.of.terms_of_columns(clean_columns, ids)
        found = ((a, partial(self.of.terms_of_columns, f, ids)) for a, f in columns.items())
        return self._drops(clean, found)

    def _drops(
        self,
        clean: PairedTerms | None,
        conditions: Iterable[tuple[str, Callable[[], PairedTerms | None]]],
    ) -> dict[tuple[str, str], PairedTerms]:
        if clean is None or not clean.values:
            return {}
        out = {}
        for attack, terms_of in conditions:
            if attack == CLEAN:
                continue
            attacked = terms_of()
            if attacked is None or set(attacked.values) != set(clean.values):
                continue
            drops = {i: clean.values[i] - attacked.values[i] for i in clean.values}
            out[attack, self.name] = PairedTerms("continuous", drops)
        return out


def drop_from_clean(of: Estimator, name: str | None = None) -> DropFromClean:
    return DropFromClean(of, name or f"{of.name}_drop")


@dataclass(frozen=True)
class ByGroup(Declared):
    """``of`` per value of ``score.details[key]``: one row per group, named ``NAME[group=G]``
    (what the report draws as per-group bars), plus the groups' spread in the overall row."""

    of: Estimator
    key: str
    name: str

    def compute(self, scores: Scores) -> list[Computed]:
        out: list[Computed] = []
        for attack, found in scores.items():
            mine = _of(found, self.of.score_metric)
            per_group = per_group_estimates(self.of, mine, self.key)
            for group, estimate in per_group.items():
                out.append(Computed(attack, f"{self.name}[group={group}]", estimate))
            scored = {g: e for g, e in per_group.items() if e.value is not None}
            if len(scored) >= 2:
                best = max(scored, key=lambda g: scored[g].value or 0.0)
                worst = min(scored, key=lambda g: scored[g].value or 0.0)
                details = {
                    "best": best,
                    "worst": worst,
                    "by_group": {g: _summary(e) for g, e in per_group.items()},
                }
                gap = difference(scored[best], scored[worst])  # MOVER: any two 95% intervals
                out.append(Computed(attack, f"{self.name}_gap", gap, details))
        return out

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        out = {}
        for attack, found in scores.items():
            mine = _of(found, self.of.score_metric)
            for group in sorted({str(s.details[self.key]) for s in mine if self.key in s.details}):
                part = [s for s in mine if str(s.details.get(self.key)) == group]
                made = self.of.terms_of(part)
                if made is not None:
                    out[attack, f"{self.name}[group={group}]"] = made
        return out


def per_group_estimates(of: Estimator, scores: Sequence[Score], key: str) -> dict[str, Estimate]:
    """``of`` over each group's scores, groups being the values of ``score.details[key]``
    (sorted, as text)."""
    groups = sorted({str(s.details[key]) for s in scores if key in s.details})
    return {g: of.estimate([s for s in scores if str(s.details.get(key)) == g]) for g in groups}


def by_group(of: Estimator, key: str = "group", name: str | None = None) -> ByGroup:
    return ByGroup(of, key, name or of.name)


def _summary(estimate: Estimate) -> dict[str, Any]:
    return {
        "value": estimate.value,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "n": estimate.n,
    }


def metric_rows(
    declared: Sequence[Declared],
    scores: Scores,
    *,
    task: str,
    mitigation: str,
    model: str,
    details: Mapping[str, Any] | None = None,
) -> list[MetricRow]:
    """Every declared metric's rows, stamped in one place: task, attack, mitigation, model,
    the task's shared ``details`` and the estimate's ``n_unscorable`` (unless the computed
    estimate opts out of either), then what the metric itself adds to details."""
    computed = [c for metric in declared for c in metric.compute(scores)]
    return stamped(computed, task=task, mitigation=mitigation, model=model, details=details)


def stamped(
    computed: Iterable[Computed],
    *,
    task: str,
    mitigation: str,
    model: str,
    details: Mapping[str, Any] | None = None,
) -> list[MetricRow]:
    """The rows of computed estimates, stamped as ``metric_rows`` says."""
    shared = dict(details or {})
    return [
        c.estimate.as_row(
            task=task,
            attack=c.attack,
            mitigation=mitigation,
            metric=c.metric,
            model=model,
            details={
                **(shared if c.shared else {}),
                **({"n_unscorable": c.estimate.n_unscorable} if c.unscorable else {}),
                **c.details,
            },
        )
        for c in computed
    ]


# --------------------------------------------------------------------------- condition-wise


@dataclass(frozen=True)
class Change(Declared):
    """``of`` under every other condition minus ``of`` under ``reference`` (the clean condition,
    a baseline attack); ``drop`` flips it to reference minus attacked. Newcombe's interval for
    rates. Nothing without reference scores (with ``scorable_reference``: without a scorable
    reference estimate)."""

    of: Estimator
    reference: str
    name: str
    drop: bool = False
    details: Mapping[str, Any] | Callable[[Estimate, Estimate], Mapping[str, Any]] = field(
        default_factory=dict
    )
    scorable_reference: bool = False
    shared: bool = True
    unscorable: bool = True

    def compute(self, scores: Scores) -> list[Computed]:
        found = scores.get(self.reference)
        if not found:
            return []
        before = self.of.estimate(_of(found, self.of.score_metric))
        if self.scorable_reference and not before.n:
            return []
        out = []
        for attack, attacked in scores.items():
            if attack == self.reference:
                continue
            after = self.of.estimate(_of(attacked, self.of.score_metric))
            change = difference(before, after) if self.drop else difference(after, before)
            details = self.details(after, before) if callable(self.details) else self.details
            out.append(Computed(attack, self.name, change, details, self.shared, self.unscorable))
        return out

    def by_columns(self) -> bool:
        return self.of.by_columns()

    def compute_columns(self, columns: Columns) -> list[Computed]:
        found = columns.get(self.reference)
        if found is None or not len(found):
            return []
        before = rate_of_columns(found.of(self.of.score_metric))
        if self.scorable_reference and not before.n:
            return []
        out = []
        for attack, attacked in columns.items():
            if attack == self.reference:
                continue
            after = rate_of_columns(attacked.of(self.of.score_metric))
            change = difference(before, after) if self.drop else difference(after, before)
            details = self.details(after, before) if callable(self.details) else self.details
            out.append(Computed(attack, self.name, change, details, self.shared, self.unscorable))
        return out


def change_from(
    of: Estimator, reference: str = CLEAN, name: str | None = None, **options: Any
) -> Change:
    """Signed change of ``of`` from the ``reference`` condition (see :class:`Change`)."""
    return Change(of, reference, name or f"{of.name}_change", **options)


@dataclass(frozen=True)
class AttackedOnly(Declared):
    """``of`` under every condition but ``reference`` that has scores of its kind (e.g. an
    attack's success, which means nothing on clean inputs)."""

    of: Estimator
    reference: str
    name: str

    def compute(self, scores: Scores) -> list[Computed]:
        return [
            self.of.computed(attack, found)
            for attack, found in scores.items()
            if attack != self.reference and _of(found, self.of.score_metric)
        ]

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        return {k: v for k, v in self.of.terms(scores).items() if k[0] != self.reference}


def attacked_only(of: Estimator, reference: str = CLEAN) -> AttackedOnly:
    return AttackedOnly(of, reference, of.name)


@dataclass(frozen=True)
class SplitBy(Declared):
    """``of`` per value of ``score.details[key]`` (sorted; scores without the key are in no
    split): rows ``NAME.KEY.VALUE``, each with ``of``'s details of its own scores."""

    of: Estimator
    key: str
    name: str

    def compute(self, scores: Scores) -> list[Computed]:
        out: list[Computed] = []
        for attack, found in scores.items():
            splits: dict[str, list[Score]] = defaultdict(list)
            for s in _of(found, self.of.score_metric):
                if s.details.get(self.key) is not None:
                    splits[str(s.details[self.key])].append(s)
            out += [
                self.of.computed(attack, part, f"{self.name}.{self.key}.{value}")
                for value, part in sorted(splits.items())
            ]
        return out

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        out = {}
        for attack, found in scores.items():
            splits: dict[str, list[Score]] = defaultdict(list)
            for s in _of(found, self.of.score_metric):
                if s.details.get(self.key) is not None:
                    splits[str(s.details[self.key])].append(s)
            for value, part in splits.items():
                made = self.of.terms_of(part)
                if made is not None:
                    out[attack, f"{self.name}.{self.key}.{value}"] = made
        return out


def split_by(of: Estimator, key: str, name: str | None = None) -> SplitBy:
    return SplitBy(of, key, name or of.name)


#: a view of the scores: which conditions, and which of their scores, some metrics see
View = Callable[[Scores], Scores]


@dataclass(frozen=True)
class On(Declared):
    """``metrics`` computed on a view of the scores (a subset, abstentions counted as errors)."""

    view: View
    metrics: tuple[Declared, ...]
    name: str = "on"

    def compute(self, scores: Scores) -> list[Computed]:
        seen = self.view(scores)
        return [c for metric in self.metrics for c in metric.compute(seen)]

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        seen = self.view(scores)
        return {k: v for metric in self.metrics for k, v in metric.terms(seen).items()}

    def by_columns(self) -> bool:
        # the view must have its column form (``ColumnView``)
        return isinstance(self.view, ColumnView) and all(m.by_columns() for m in self.metrics)

    def compute_columns(self, columns: Columns) -> list[Computed]:
        assert isinstance(self.view, ColumnView)
        seen = self.view.columns(columns)
        return [c for metric in self.metrics for c in metric.compute_columns(seen)]

    def terms_columns(
        self, columns: Columns, ids: Sequence[str]
    ) -> dict[tuple[str, str], PairedTerms]:
        assert isinstance(self.view, ColumnView)
        seen = self.view.columns(columns)
        return {k: v for m in self.metrics for k, v in m.terms_columns(seen, ids).items()}


@dataclass(frozen=True)
class ColumnView:
    """A view (``On``) with its column form: the same scores kept, as columns."""

    scores: View
    columns: Callable[[Columns], Columns]

    def __call__(self, scores: Scores) -> Scores:
        return self.scores(scores)


def on(view: View, *metrics: Declared) -> On:
    return On(view, metrics)


def where(
    keep: Callable[[Score], bool] | None = None, attacks: Callable[[str], bool] | None = None
) -> View:
    """The conditions ``attacks`` keeps, each with the scores ``keep`` keeps; a condition left
    with no scores is left out."""

    def view(scores: Scores) -> Scores:
        picked = {
            attack: [s for s in found if keep is None or keep(s)]
            for attack, found in scores.items()
            if attacks is None or attacks(attack)
        }
        return {attack: found for attack, found in picked.items() if found}

    return view


#: what a per-condition custom metric gives: (metric name, estimate, details) per row, or a
#: mapping ``{metric: (estimate, details)}``
Row = tuple[str, Estimate, Mapping[str, Any]]
Stat = tuple[Estimate, dict[str, Any]]
Statistics = Callable[[Sequence[Score]], Iterable[Row] | Mapping[str, Stat]]


def count_unscorable(scores: Sequence[Score]) -> int:
    return sum(s.unscorable for s in scores)


@dataclass(frozen=True)
class PerCondition(Declared):
    """A metric the science needs and the framework does not offer (AUROC, ECE, WEAT...):
    ``rows`` estimates it from one condition's scores; the framework stamps the rows.

    ``unscorable`` decides each row's ``details["n_unscorable"]``: a function of the
    condition's scores (by default, how many are unscorable), ``"estimate"`` for the count
    each estimate carries itself, or None for no such key (rows that count what they leave out
    their own way). ``attack`` files the rows under another label than the condition's."""

    rows: Statistics
    name: str = "custom"
    shared: bool = True
    unscorable: Callable[[Sequence[Score]], int] | str | None = count_unscorable
    attack: str | None = None
    #: the per-sample terms of those rows that have them, by metric name (paired tests)
    paired: Callable[[Sequence[Score]], Mapping[str, PairedTerms]] | None = None

    def compute(self, scores: Scores) -> list[Computed]:
        out: list[Computed] = []
        for attack, found in scores.items():
            made = self.rows(found)
            rows = [(m, e, d) for m, (e, d) in made.items()] if isinstance(made, Mapping) else made
            for metric, estimate, details in rows:
                if callable(self.unscorable):
                    estimate = replace(estimate, n_unscorable=self.unscorable(found))
                counted = self.unscorable is not None
                label = self.attack or attack
                out.append(Computed(label, metric, estimate, details, self.shared, counted))
        return out

    def terms(self, scores: Scores) -> dict[tuple[str, str], PairedTerms]:
        if self.paired is None:
            return {}
        return {
            (self.attack or attack, metric): made
            for attack, found in scores.items()
            for metric, made in self.paired(found).items()
        }


def per_condition(
    rows: Statistics,
    *,
    shared: bool = True,
    unscorable: Callable[[Sequence[Score]], int] | str | None = count_unscorable,
    attack: str | None = None,
    paired: Callable[[Sequence[Score]], Mapping[str, PairedTerms]] | None = None,
) -> PerCondition:
    if isinstance(unscorable, str) and unscorable != "estimate":
        raise ValueError(f"unscorable={unscorable!r}: a function, 'estimate' or None")
    name = getattr(rows, "__name__", "custom")
    return PerCondition(
        rows, name, shared=shared, unscorable=unscorable, attack=attack, paired=paired
    )


@dataclass(frozen=True)
class Custom(Declared):
    """A metric over all conditions at once (a scan of the clean condition, a mean over the
    corruptions): ``compute`` is a function from the scores to computed estimates."""

    function: Callable[[Scores], Iterable[Computed]]
    name: str = "custom"

    def compute(self, scores: Scores) -> list[Computed]:
        return list(self.function(scores))

    def by_columns(self) -> bool:
        return isinstance(self.function, ColumnFunction)

    def compute_columns(self, columns: Columns) -> list[Computed]:
        assert isinstance(self.function, ColumnFunction)
        return list(self.function.columns(columns))


@dataclass(frozen=True)
class ColumnFunction:
    """A ``custom`` metric's function with its column form (the same rows from columns)."""

    scores: Callable[[Scores], Iterable[Computed]]
    columns: Callable[[Columns], Iterable[Computed]]

    def __call__(self, scores: Scores) -> Iterable[Computed]:
        return self.scores(scores)


def custom(function: Callable[[Scores], Iterable[Computed]]) -> Custom:
    return Custom(function)
