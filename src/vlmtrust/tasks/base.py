"""The task contract: where samples come from, which conditions to run, how to score, how to
aggregate. The runner owns caching, batching and storage; a task owns only the science."""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np

from vlmtrust.core.capabilities import used_members
from vlmtrust.core.columns import ScoreColumns
from vlmtrust.core.records import MetricRow, Sample, Score
from vlmtrust.core.spec import Params, Spec, sha256_hex, validate_params
from vlmtrust.data.source import DataSource, SampleRequest
from vlmtrust.data.sources import open_source, reference_samples
from vlmtrust.metrics.declared import Declared, metric_rows, stamped
from vlmtrust.metrics.paired import PairedTerms

AnyRequest = TypeVar("AnyRequest", bound=SampleRequest)


@dataclass(frozen=True)
class DataContext:
    """What a task builds its samples from: the run's data source (resolved, loaded and checked
    by the runner once for all tasks; the world when there is no --data), the seed and --limit.
    A task asks for the kind of samples it needs and never tests which source answers."""

    seed: int = 0
    limit: int | None = None
    source: DataSource = field(default_factory=lambda: open_source(None))

    def samples(self, request: SampleRequest) -> list[Sample]:
        """The run's source answers (a request without a seed gets the run's)."""
        return self.source.samples(self.seeded(request))

    def reference(self, request: SampleRequest) -> list[Sample]:
        """The world answers, whatever --data is: for sets a task always draws from the world
        (canaries it planted, probes to mutate, scenes it redraws)."""
        return reference_samples(self.seeded(request))

    def cap(self, n: int) -> int:
        """``n`` capped by --limit."""
        return min(n, self.limit) if self.limit else n

    def seeded(self, request: AnyRequest) -> AnyRequest:
        """``request`` as the source receives it: with the run's seed unless it names one."""
        return request if request.seed is not None else replace(request, seed=self.seed)


@dataclass(frozen=True)
class Minimum:
    """The fewest samples a task's statistic needs to mean anything, and why: below it the
    number is computed but the flaw it measures can vanish (a retrieval pool smaller than its
    top k), so the runner warns and marks the task's rows ``underpowered``."""

    samples: int
    why: str


@dataclass(frozen=True)
class GroupMinimum:
    """The fewest samples each group needs, where a statistic compares groups or reports one
    per group: a group is a value of every sample's ``groups[key]`` (``source="labels"``:
    ``labels[key]``); samples without one are in no group. Below it the runner warns and marks
    the rows it weakens: those whose metric matches one of ``rows`` (shell patterns, in which
    ``{group}`` stands for the small group's name, so ``asr.category.{group}`` marks only that
    category's row; a pattern without it marks its rows whenever any group is small)."""

    per_group: int
    key: str
    why: str
    source: Literal["groups", "labels"] = "groups"
    rows: tuple[str, ...] = ("*",)
    #: the groups it checks (None: every group), e.g. only the reference of every gap
    only: tuple[str, ...] | None = None
    #: the task's own grouping, where a value needs reading (a label of "yes"/1/True); it
    #: replaces ``source`` and ``key``, which then only names the grouping
    group_of: Callable[[Sample], str | None] | None = None


class Task(ABC):
    """Subclasses set ``Params`` and ``requires`` (capability names); the name's prefix is the
    pillar (:func:`vlmtrust.core.pillars.pillar_of`)."""

    Params: ClassVar[type[Params]]
    requires: ClassVar[tuple[str, ...]] = ()
    #: Parameters that only choose which samples or conditions run; both are already in the
    #: cache key (sample hash, attack spec), so leaving these out of the task's part of the key
    #: means adding a corruption or raising n re-runs only the new results.
    selection_params: ClassVar[frozenset[str]] = frozenset()
    #: False keeps a task out of ``--suite PILLAR`` (it still runs when named): for scans
    #: whose default budget takes minutes, which a pillar suite should not start unasked
    in_pillar_suite: ClassVar[bool] = True
    #: what to compute from the scores (see :mod:`vlmtrust.metrics.declared`)
    metrics: ClassVar[tuple[Declared, ...]] = ()
    #: the metric a report's pillar card shows for this task (None: its first metric)
    headline: ClassVar[str | None] = None
    #: what the task uses when the model has it, beyond ``requires``: a member name it probes
    #: for (``hasattr``, ``getattr``), or a capability name it tests with ``isinstance``
    hooks: ClassVar[tuple[str, ...]] = ()

    #: the per-sample score value that marks a failure worth showing in the report's gallery
    #: (0.0: a wrong answer; a task whose scores are 1.0 for harm, e.g. attack success, sets 1.0)
    failure_value: ClassVar[float] = 0.0
    examples_per_condition: ClassVar[int] = 3
    #: the most samples one work unit scores (None: the run's --batch-size); 1 for scans whose
    #: every sample takes minutes, so progress and resume go per sample
    max_batch: ClassVar[int | None] = None

    def __init__(self, spec: Spec) -> None:
        params = validate_params(self.Params, spec)
        # The full parameter set (defaults included) goes into cache keys.
        self.spec = Spec(name=spec.name, params=params.model_dump(mode="json"))
        self.params = params
        #: what its rows, results and warnings are named: the task's name, or, where a scan
        #: runs it once per group attribute of its data, ``NAME-by-ATTRIBUTE``
        self.label = spec.name
        #: chosen by a pillar suite, not named on the command line: where the data cannot supply
        #: what it asks for, the runner leaves it out naming why instead of stopping
        self.optional = False

    def key_spec(self) -> Spec:
        """The part of the spec that decides how one sample is scored under one condition."""
        kept = {k: v for k, v in self.spec.params.items() if k not in self.selection_params}
        return Spec(name=self.spec.name, params=kept)

    def model_members(self) -> frozenset[str]:
        """Every model member this task's ``score`` may call: its capabilities' members and its
        ``hooks``. A mitigation that changes none of them cannot change a score, so the runner
        does not scan the task under it."""
        return used_members(self.requires, self.hooks)

    def minimum_samples(self) -> Minimum | None:
        """The sample count below which this task's statistic is underpowered (None: any)."""
        return None

    def minimum_per_group(self) -> tuple[GroupMinimum, ...]:
        """The per-group counts below which some of its rows are underpowered (none: any)."""
        return ()

    @abstractmethod
    def samples(self, ctx: DataContext) -> list[Sample]:
        """The clean samples this task scores."""

    def sample_request(self, ctx: DataContext) -> SampleRequest | None:
        """The one request whose answer ``samples`` returns unchanged, where there is one (None:
        the task builds its samples itself). The runner then plans from the samples' identity
        and draws images only for results it must run, so ``resolve`` and the sample minimums
        must read only ids, labels and groups. Honoured only when the class that defines
        ``samples`` defines this too, so a subclass drawing other samples never inherits it."""
        return None

    def resolve(self, samples: Sequence[Sample]) -> Task:
        """A task whose spec pins every parameter derived from the data (e.g. the label set),
        so the cache key captures everything that determines a score."""
        return self

    @abstractmethod
    def conditions(self) -> list[Spec]:
        """Attack specs to run; ``Spec(name="none")`` is the clean condition."""

    @abstractmethod
    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        """One list of Scores per sample, in order. Batches arrive already attacked."""

    def aggregate(
        self, scores: Mapping[str, Sequence[Score]], mitigation: str, model: str
    ) -> list[MetricRow]:
        """Metric rows from all scores, keyed by attack label: by default the declared
        ``metrics``, computed and stamped by the framework; override only where the science
        needs a metric the framework does not offer."""
        declared = self.declared_metrics()
        if not declared:
            raise NotImplementedError(f"{type(self).__name__} declares no metrics")
        return metric_rows(
            declared,
            scores,
            task=self.label,
            mitigation=mitigation,
            model=model,
            details=self.row_details(),
        )

    def paired_terms(
        self, scores: Mapping[str, Sequence[Score]]
    ) -> dict[tuple[str, str], PairedTerms]:
        """Per (attack, metric) row, the per-sample terms of the declared metrics that have
        them: what a paired before -> after test of a mitigation compares."""
        return {k: v for m in self.declared_metrics() for k, v in m.terms(scores).items()}

    def by_columns(self) -> bool:
        """Whether this task aggregates from score columns (``core.columns``): where its
        ``aggregate``, ``paired_terms`` and ``examples`` are the framework's and every declared
        metric has a column form, so a task of many samples builds no Score object."""
        kind = type(self)
        return (
            kind.aggregate is Task.aggregate
            and kind.paired_terms is Task.paired_terms
            and kind.examples is Task.examples
            and bool(self.declared_metrics())
            and all(m.by_columns() for m in self.declared_metrics())
        )

    def aggregate_columns(
        self, columns: Mapping[str, ScoreColumns], mitigation: str, model: str
    ) -> list[MetricRow]:
        """``aggregate`` from score columns (where ``by_columns``): the same rows."""
        computed = [c for m in self.declared_metrics() for c in m.compute_columns(columns)]
        return stamped(
            computed,
            task=self.label,
            mitigation=mitigation,
            model=model,
            details=self.row_details(),
        )

    def paired_terms_columns(
        self, columns: Mapping[str, ScoreColumns], ids: Sequence[str]
    ) -> dict[tuple[str, str], PairedTerms]:
        """``paired_terms`` from score columns, ``ids[position]`` naming each sample."""
        return {
            k: v for m in self.declared_metrics() for k, v in m.terms_columns(columns, ids).items()
        }

    def examples_columns(
        self, columns: Mapping[str, ScoreColumns], ids: Sequence[str]
    ) -> list[tuple[str, str]]:
        """``examples`` from score columns: the same picks, ranking only the few it keeps."""
        picked: list[tuple[str, str]] = []
        for attack, found in columns.items():
            rank = np.where(found.unscorable, 0, np.where(found.value == self.failure_value, 1, 2))
            tier: dict[int, int] = {}
            for position, r in zip(found.position.tolist(), rank.tolist(), strict=True):
                tier[position] = min(r, tier.get(position, 2))
            best = heapq.nsmallest(
                self.examples_per_condition,
                tier,
                key=lambda p: (tier[p], sha256_hex(ids[p].encode())),
            )
            picked += [(attack, ids[p]) for p in best]
        return picked

    def declared_metrics(self) -> Sequence[Declared]:
        """The metrics to compute: the class's ``metrics``, or, where they depend on the task's
        parameters (bootstrap seeds, resamples, bins, k), ones built from them."""
        return self.metrics

    def row_details(self) -> dict[str, Any]:
        """What every row of this task carries in ``details`` (e.g. the label predicted)."""
        return {}

    def explained_choice(self, predicted: str | None) -> tuple[list[str], int] | None:
        """The prompts a Differentiable model scores for this task and the index of the one it
        chose (``predicted``: a score's label), so a failed gallery example can carry a saliency
        map of what drew the model there (``runner.saliency``); None: the task has no such
        choice (the default)."""
        return None

    def examples(self, scores: Mapping[str, Sequence[Score]]) -> list[tuple[str, str]]:
        """(attack label, sample id) pairs for the report's evidence gallery: a few per attack,
        unscorable samples first, then failures, then the rest, each tier ordered by a hash of
        the sample id so the pick is deterministic yet not always the first samples."""
        picked: list[tuple[str, str]] = []
        for attack, attacked in scores.items():
            tier: dict[str, int] = {}
            for score in attacked:
                rank = 0 if score.unscorable else 1 if score.value == self.failure_value else 2
                tier[score.sample_id] = min(rank, tier.get(score.sample_id, 2))
            ordered = sorted(tier, key=lambda sid: (tier[sid], sha256_hex(sid.encode())))
            picked += [(attack, sid) for sid in ordered[: self.examples_per_condition]]
        return picked


def build_task(spec: Spec) -> Task:
    from vlmtrust.plugins import TASKS

    return TASKS.get(spec.name)(spec)
