"""``run(config)``: the whole scan. Everything that can be wrong with the input is checked before
the results store is opened, so a bad input never leaves a half-written run directory; a scan
that fails later (an unreachable or broken model) before storing anything removes the store and
directory it made, and one that stored results keeps them, its run marked failed."""

from __future__ import annotations

import itertools
import uuid
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, overload

from rich.console import Console
from rich.markup import escape

from vlmtrust.attacks.base import Attack, build_attack
from vlmtrust.core.capabilities import check_capabilities
from vlmtrust.core.columns import ScoreColumns
from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import ConfigError, DataError, StoreError
from vlmtrust.core.outputs import check_output_dir
from vlmtrust.core.provenance import commit_from_env
from vlmtrust.core.records import Finding, MetricRow, NotRun, Sample, Score
from vlmtrust.core.spec import Spec, parse_spec
from vlmtrust.data.source import DataSource, LoadOptions, NotSupplied
from vlmtrust.data.sources import open_source
from vlmtrust.metrics.findings import derive_findings
from vlmtrust.metrics.severity import load_rules
from vlmtrust.mitigations.base import variant_label
from vlmtrust.models.base import ModelHandle, resolve_model
from vlmtrust.runner.applies import cannot_act, report_not_run
from vlmtrust.runner.caps import SampleCap, header_caps, sample_caps
from vlmtrust.runner.created import CreatedPaths
from vlmtrust.runner.cuts import report_cuts
from vlmtrust.runner.examples import THUMBNAIL_PX, FetchedOnGet, build_examples
from vlmtrust.runner.executor import Executor, UnitResult, WorkUnit, build_executor
from vlmtrust.runner.interrupts import interrupt_flag
from vlmtrust.runner.keys import has_duplicate_ids, lazy_keys, packed_keys
from vlmtrust.runner.lazy import (
    Drawn,
    DrawnOnGet,
    Remembered,
    Renderer,
    StoredRows,
    StoredSamples,
    plan_samples,
)
from vlmtrust.runner.paired import Terms, paired_details, stored_terms
from vlmtrust.runner.power import Power, assess, mark, warn
from vlmtrust.runner.progress import scan_progress
from vlmtrust.runner.reuse import aggregate_digest, reusable_rows
from vlmtrust.store import (
    SCHEMA_VERSION,
    STORE_FILE,
    ResultStore,
    StoredExample,
    StoredResult,
    StoredTerms,
)
from vlmtrust.tasks.base import DataContext, Task, build_task
from vlmtrust.tasks.suite import fit_to_data, suite_specs, unique, with_budget


@dataclass(frozen=True)
class Cell:
    """One condition of one task: a mitigation variant x an attack, over the task's samples."""

    task: Task
    variant: tuple[Spec, ...]
    attack: Attack
    #: light and packed (``runner.lazy.LightSamples``) where ``render`` is set
    samples: Sequence[Sample]
    #: packed (``runner.keys.PackedKeys``): 32 bytes a result, not a hex string
    keys: Sequence[str]
    #: where the task has fewer samples, in all or in a group, than its statistics need
    underpowered: Power | None = None
    #: set where ``samples`` are light (no image): draws them in full (``runner.lazy``)
    render: Renderer | None = None

    @property
    def variant_label(self) -> str:
        return variant_label(self.variant)


#: what the gallery needs of one condition: the attack, clean samples and results by sample id
ExampleSource = tuple[Attack, Mapping[str, Sample], Mapping[str, StoredResult]]


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    out: Path
    planned: int
    reused: int
    executed: int
    model_calls: int
    metrics: list[MetricRow] = field(default_factory=list)
    skipped_data: list[str] = field(default_factory=list)
    #: every finding in the store's rows, worst first
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Prepared:
    """A scan checked and planned, before its store is opened: what ``run`` executes and
    ``vlmtrust run --dry-run`` lists (nothing is written while preparing)."""

    handle: ModelHandle
    cells: list[Cell]
    not_run: list[NotRun]
    source: DataSource
    #: tasks left out (no capability, or the data cannot supply them), with the reason
    skipped_tasks: list[str]
    #: unreadable data files skipped, with the reason
    skipped_data: list[str]
    #: per task: the sample count and which of --limit, its n, the source's size set it
    caps: list[SampleCap] = field(default_factory=list)
    #: answers drawn while planning, to keep in the store (``runner.lazy``)
    drawn: list[Drawn] = field(default_factory=list)


def prepare(config: RunConfig, console: Console) -> Prepared:
    """Check everything about the input and plan the cells; raises a one-line error for any
    problem, before anything is written."""
    check_output_dir(config.out)
    handle = resolve_model(config.model)
    from_suite, skipped_tasks = suite_specs(config.suite, handle.capabilities)
    for skipped_task in skipped_tasks:
        console.print(f"[yellow]skipping[/] {skipped_task} on {handle.name}")
    # a task named with --task replaces the suite's default run of it (not a second run)
    from_suite = [s for s in from_suite if s.name not in {t.name for t in config.tasks}]
    specs = with_budget(unique([*from_suite, *config.tasks]), config.budget_s)
    tasks = [build_task(spec) for spec in specs]
    if not tasks:
        raise ConfigError(
            f"no task to run on {handle.name}", "pass --suite or --task with tasks it can run"
        )
    for task in tasks:
        needed_by = f"task {task.spec.name}"
        fix = "pick a model with that capability, or drop the task from --suite or --task"
        check_capabilities(handle.name, handle.capabilities, task.requires, needed_by, fix)
    variants = [(), *(parse_variant(v, handle) for v in config.mitigations)]
    source = _open_source(config, console)
    skipped = [f"{b.path}: {b.reason}" for b in source.skipped]
    ctx = DataContext(seed=config.seed, limit=config.limit, source=source)
    named = {spec.canonical() for spec in config.tasks}
    tasks, unfit = fit_to_data(list(zip(specs, tasks, strict=True)), named, source)
    with _remembered_samples(config.out) as (remembered, stored):
        cells, not_run, unsupplied, drawn = _plan(tasks, variants, ctx, handle, remembered, stored)
    unfit += unsupplied
    for reason in unfit:
        console.print(f"[yellow]skipping[/] {escape(reason)}", highlight=False)
    if not cells and unfit:
        raise DataError(
            f"no task of --suite can run on --data {config.data}: {unfit[0]}",
            "pick a pillar whose tasks this data answers, or run without --data",
        )
    asked = {spec.name: spec for spec in specs}  # as the user wrote it, without the defaults
    counts = [
        (c.task.label, asked.get(c.task.spec.name, c.task.spec), c.task.params, len(c.samples))
        for c in cells
    ]
    caps = sample_caps(counts, config.limit, source.summary())
    for cap in caps:
        if (line := cap.message()) is not None:
            console.print(f"[yellow]capped[/] {escape(line)}", highlight=False, soft_wrap=True)
    return Prepared(handle, cells, not_run, source, [*skipped_tasks, *unfit], skipped, caps, drawn)


@contextmanager
def _remembered_samples(out: Path) -> Iterator[tuple[Remembered, StoredRows | None]]:
    """What an earlier scan into ``out`` kept of the answers it drew, read-only (nothing is
    written while preparing); nothing where there is no readable store yet. Samples planned
    from it (``StoredSamples``) read it while planning, then the scan's store
    (:func:`attach_store`)."""
    path = out / STORE_FILE
    try:
        store = ResultStore(path, mode="read", untouched=True) if path.is_file() else None
    except StoreError:
        store = None  # opening it to scan says what is wrong with it
    try:
        yield ((lambda _: None), None) if store is None else (store.remembered_chunks, store)
    finally:
        if store is not None:
            store.close()


def run(config: RunConfig, console: Console | None = None) -> RunSummary:
    console = console or Console(stderr=True, quiet=not config.show_progress)
    check_output_dir(config.out)
    rules = load_rules(config.severity)  # a bad severity file fails before anything runs
    prepared = prepare(config, console)
    handle, cells, not_run, source = (
        prepared.handle,
        prepared.cells,
        prepared.not_run,
        prepared.source,
    )
    skipped_tasks, skipped = prepared.skipped_tasks, prepared.skipped_data
    report_not_run(not_run, console)
    warn((c.underpowered for c in cells), console)
    # checked, not started (Ray starts on the first unit), so a bad --executor stores nothing
    executor = build_executor(config.executor)

    run_id = uuid.uuid4().hex[:12]
    created = CreatedPaths.before_scan(config.out)
    removable = created.store_is_new  # until something is stored
    try:
        with ResultStore.in_dir(config.out) as store:
            attach_store(cells, store)
            header = _header(config, handle, cells, not_run, source, prepared.caps)
            store.start_run(run_id, header)
            removable = False  # decided below, from what the store holds
            status = "failed"
            planned = sum(len(cell.keys) for cell in cells)
            todo, calls = planned, 0
            digest = None
            try:
                _remember(store, prepared.drawn)
                known = _nothing_known if config.recompute else store.stored_keys
                units = _units(cells, known, handle, config.batch_size)
                todo = units.todo
                console.print(
                    f"planned {planned} results: reusing {planned - todo} stored, running {todo}"
                )
                calls = _execute(
                    executor, units, store, todo, console, handle.name, config.recompute
                )
                digest = aggregate_digest(cells, handle, store)
                reused = reusable_rows(store, run_id, digest) if todo == 0 else None
                if reused is not None:
                    metrics = reused
                else:
                    metrics, examples, terms = _aggregate(cells, store, handle)
                    store.replace_metrics(metrics)
                    store.replace_terms(terms)
                    store.replace_examples(examples)
                    store.remember_aggregate(digest, metrics)
                report_cuts(metrics, console)
                # from every row the store holds, so a resumed or extended scan re-ranks all
                findings = derive_findings(store.metrics(), rules, not_run)
                store.replace_findings(findings)
                status = "complete"
            except KeyboardInterrupt:
                status = "interrupted"
                raise
            finally:
                removable = created.store_is_new and store.holds_nothing_but(run_id)
                summary = {
                    "planned": planned,
                    "reused": planned - todo,
                    "executed": todo if status == "complete" else None,
                    "model_calls": calls,
                    "stored_in_total": store.count_results(),
                    "skipped_tasks": list(skipped_tasks),
                    "skipped_data": skipped,
                    # what its metric rows were derived from (a re-run of the same reuses them)
                    "aggregate_digest": digest if status == "complete" else None,
                }
                store.finish_run(run_id, status, summary)
    except BaseException:
        # a failed scan that stored nothing leaves no run directory (results stored stay)
        if removable:
            created.remove()
        raise
    return RunSummary(
        run_id=run_id,
        out=config.out,
        planned=planned,
        reused=planned - todo,
        executed=todo,
        model_calls=calls,
        metrics=metrics,
        skipped_data=skipped,
        findings=findings,
    )


def attach_store(cells: Sequence[Cell], store: StoredRows) -> None:
    """Let the cells' samples left in a store (``StoredSamples``) read ``store`` from now on."""
    for cell in cells:
        if isinstance(cell.samples, StoredSamples):
            cell.samples.attach(store)


def _remember(store: ResultStore, drawn: list[Drawn]) -> None:
    """Keep the answers the plan drew, then let go of them (and their hashes): nothing else
    needs them once stored, and a scan of many samples should not hold them to its end."""
    while drawn:
        answer = drawn.pop(0)
        store.remember_samples(answer.identity, answer.iter_rows())


def parse_variant(text: str, handle: ModelHandle) -> tuple[Spec, ...]:
    """``a+b`` -> validated specs, each checked against the model's capabilities."""
    from vlmtrust.mitigations.base import build_mitigation
    from vlmtrust.mitigations.trainers.base import Trainer

    wrappers = [build_mitigation(parse_spec(part)) for part in text.split("+")]
    for wrapper in wrappers:
        name = f"mitigation {wrapper.spec.name}"
        fix = "pick a model with that capability, or drop the mitigation from --mitigate"
        check_capabilities(handle.name, handle.capabilities, wrapper.requires, name, fix)
        wrapper.check_model(handle)
    trains = [isinstance(w, Trainer) for w in wrappers]
    if trains != sorted(trains, reverse=True):
        raise ConfigError(
            f"in {text!r} a fine-tuning mitigation follows a wrapper",
            "put fine-tuning mitigations first (vlguard+guard, not guard+vlguard)",
        )
    return tuple(w.spec for w in wrappers)


def _open_source(config: RunConfig, console: Console) -> DataSource:
    """The run's one data source (``--data``, else the world), loaded and checked up front."""
    options = LoadOptions(
        on_bad=config.on_bad_data, limit=config.limit, max_pixels=config.max_image_pixels
    )
    source = open_source(config.data, options)
    for bad in source.skipped:
        console.print(f"[yellow]skipped[/] {bad.path}: {bad.reason}")
    for warning in source.warnings:
        console.print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
    return source


def _plan(
    tasks: Sequence[Task],
    variants: Sequence[tuple[Spec, ...]],
    ctx: DataContext,
    handle: ModelHandle,
    remembered: Remembered,
    stored: StoredRows | None = None,
) -> tuple[list[Cell], list[NotRun], list[str], list[Drawn]]:
    """The cells to run, the (task, variant) pairs left out because the variant cannot act on
    the task (``runner.applies``), why each ``optional`` task (one a pillar suite chose)
    was left out because the data source cannot supply what it asks for, and the answers drawn
    to plan that the store should keep (``runner.lazy``)."""
    cells: list[Cell] = []
    not_run: list[NotRun] = []
    unfit: list[str] = []
    drawn: list[Drawn] = []
    for task in tasks:
        try:
            planned = plan_samples(task, ctx, remembered, stored)
        except NotSupplied as err:
            if not task.optional:
                raise
            unfit.append(f"{task.label} ({err.problem})")
            continue
        samples, digests = planned.samples, planned.digests
        if planned.drawn is not None:
            drawn.append(planned.drawn)
        if not samples:
            raise DataError(f"task {task.spec.name} has no samples", "check --data and --limit")
        # samples left in the store passed this check when the scan that drew them planned
        kept = isinstance(samples, StoredSamples)
        if not kept and has_duplicate_ids(samples):
            raise DataError(
                f"task {task.spec.name} has duplicate sample ids", "give every sample a unique id"
            )
        resolved = task.resolve(samples)
        resolved.label = task.label
        weak = assess(resolved, samples, ctx.limit)
        attacks = [build_attack(spec) for spec in resolved.conditions()]
        for attack in attacks:
            name = f"attack {attack.spec.name} of task {task.spec.name}"
            fix = "pick a model with that capability, or drop the task from --suite or --task"
            check_capabilities(handle.name, handle.capabilities, attack.requires, name, fix)
        key_spec = resolved.key_spec()
        for variant in variants:
            idle = cannot_act(resolved, attacks, variant, handle.name)
            if idle is not None:
                not_run.append(idle)
                continue
            for attack in attacks:
                make_keys = lazy_keys if kept else packed_keys
                keys = make_keys(key_spec, attack.spec, variant, digests, handle.fingerprint)
                cells.append(Cell(resolved, variant, attack, samples, keys, weak, planned.render))
    return cells, not_run, unfit, drawn


def _units(
    cells: Sequence[Cell], stored: Stored, handle: ModelHandle, batch_size: int
) -> LazyUnits:
    """The units of the results not stored, built (images drawn) only when an executor takes
    one, so no more than the units in flight hold images. A cell's keys are checked against
    the store a chunk at a time, and its results to run are held as positions (8 bytes each)."""
    per_cell: list[list[tuple[Cell, array[int]]]] = []
    todo = 0
    for cell in cells:
        missing = _missing(cell.keys, stored)
        todo += len(missing)
        size = min(batch_size, cell.task.max_batch or batch_size)
        per_cell.append([(cell, missing[at : at + size]) for at in range(0, len(missing), size)])
    # batch b of every cell, then batch b + 1: a task's conditions take the same batch in
    # turn, so its renderer draws each batch once (``runner.lazy.Renderer``)
    plans = [plan for row in itertools.zip_longest(*per_cell) for plan in row if plan is not None]
    return LazyUnits(plans, handle, todo)


#: which of some keys the store holds (``ResultStore.stored_keys``)
Stored = Callable[[Sequence[str]], set[str]]


def _missing(keys: Sequence[str], stored: Stored, chunk: int = 900) -> array[int]:
    """The positions of ``keys`` the store does not hold, asked ``chunk`` keys at a time."""
    missing = array("q")
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        held = stored(part)
        missing.extend(start + i for i, key in enumerate(part) if key not in held)
    return missing


#: what a stored result is named by: task row name, attack label, variant, sample id
Origin = tuple[str, str, str, str]


class LazyUnits(Sequence[WorkUnit]):
    """Work units by position, each built when asked for (see ``_units``). Building a unit
    notes its keys' names in ``origins`` until its results are stored (``_stored`` takes them
    out), so the names of only the units in flight are held, not one per planned result."""

    def __init__(
        self, plans: Sequence[tuple[Cell, Sequence[int]]], handle: ModelHandle, todo: int = 0
    ) -> None:
        self._plans = plans
        self._handle = handle
        #: how many results the units hold
        self.todo = todo
        self.origins: dict[str, Origin] = {}

    def __len__(self) -> int:
        return len(self._plans)

    @overload
    def __getitem__(self, index: int) -> WorkUnit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[WorkUnit]: ...
    def __getitem__(self, index: int | slice) -> WorkUnit | Sequence[WorkUnit]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        cell, positions = self._plans[index]
        samples = [cell.samples[i] for i in positions]
        keys = tuple(cell.keys[i] for i in positions)
        names = (cell.task.label, cell.attack.label, cell.variant_label)
        self.origins.update((key, (*names, s.id)) for key, s in zip(keys, samples, strict=True))
        if cell.render is not None:
            drawn = cell.render.at(positions)
            if [s.id for s in drawn] != [s.id for s in samples]:
                raise RuntimeError(f"the {cell.render.source.name} source redrew other samples")
            samples = drawn
        return WorkUnit(
            model=self._handle,
            task=cell.task.spec,
            attack=cell.attack.spec,
            mitigations=cell.variant,
            samples=tuple(samples),
            keys=keys,
        )


def _execute(
    executor: Executor,
    units: LazyUnits,
    store: ResultStore,
    todo: int,
    console: Console,
    model: str,
    replace: bool = False,
) -> int:
    """Run the units, storing each result under its plan's names (``units.origins``);
    ``replace``: over what the store held (``--recompute``)."""
    calls = 0
    try:
        if not units:
            return 0
        with interrupt_flag() as interrupted, scan_progress(console, todo) as advance:
            for result in executor.run(units, interrupted):
                store.append(_stored(result, units.origins, model), replace=replace)
                calls += result.model_calls
                advance(len(result.keys))
                interrupted.check()
    finally:
        executor.close()
    return calls


def _nothing_known(keys: Iterable[str]) -> set[str]:
    """``--recompute``: no stored result is reused."""
    return set()


def _stored(result: UnitResult, origins: dict[str, Origin], model: str) -> list[StoredResult]:
    """The unit's results under their names, which leave ``origins`` (the unit is done)."""
    named = [(key, origins.pop(key)) for key in result.keys]
    return [
        StoredResult(
            key=key,
            task=task,
            attack=attack,
            mitigation=variant,
            model=model,
            sample_id=sample_id,
            scores=scores,
        )
        for (key, (task, attack, variant, sample_id)), scores in zip(
            named, result.scores, strict=True
        )
    ]


def _aggregate(
    cells: Sequence[Cell], store: ResultStore, handle: ModelHandle
) -> tuple[list[MetricRow], list[StoredExample], list[StoredTerms]]:
    """Metric rows per task x variant (a mitigated row with its paired test against the
    baseline), the gallery examples the task picks from them, and the rows' per-sample terms
    (kept, so a later run can be gated against this one with paired tests). A task whose
    metrics have a column form (``Task.by_columns``) reads its scores as columns, not as
    Score objects (``core.columns``): the same rows, terms and picks, in a few MB."""
    grouped: dict[tuple[int, str], dict[str, list[Score]]] = defaultdict(dict)
    columns: dict[tuple[int, str], dict[str, ScoreColumns]] = defaultdict(dict)
    ids: dict[tuple[int, str], SampleIds] = {}
    conditions: dict[tuple[int, str], dict[str, ExampleSource]] = defaultdict(dict)
    tasks: dict[int, Task] = {}
    weak: dict[int, Power | None] = {}
    variants: dict[tuple[int, str], tuple[Spec, ...]] = {}
    for cell in cells:
        weak[id(cell.task)] = cell.underpowered
        tasks[id(cell.task)] = cell.task
        key = (id(cell.task), cell.variant_label)
        variants[key] = cell.variant
        if cell.task.by_columns():
            columns[key][cell.attack.label] = store.columns_of(cell.keys)
            ids[key] = SampleIds(cell.samples)
        else:
            grouped[key][cell.attack.label] = list(store.scores_of(cell.keys))
        conditions[key][cell.attack.label] = (
            cell.attack,
            DrawnOnGet(cell.samples, cell.render),
            FetchedOnGet(store, cell.samples, cell.keys),
        )
    made: dict[tuple[int, str], list[MetricRow]] = {}
    examples: list[StoredExample] = []
    terms: dict[tuple[int, str], Terms] = {}
    # here, not at the top: the maps need torch, and importing vlmtrust must not load it
    from vlmtrust.runner.saliency import Explainer, failure_saliency

    # its own copy of the model: the scan's holds tensors made in inference mode, which the
    # maps' backward pass cannot use (measured: hf: towers wrapped by dear/disentanglers)
    explainer = Explainer(handle, THUMBNAIL_PX)
    try:
        for key in conditions:  # in the cells' order, as the rows were always made
            (task_id, variant), task = key, tasks[key[0]]
            if key in columns:
                rows = task.aggregate_columns(columns[key], variant, handle.name)
                picks = task.examples_columns(columns[key], ids[key])
                terms[key] = task.paired_terms_columns(columns[key], ids[key])
            else:
                rows = task.aggregate(grouped[key], variant, handle.name)
                picks = task.examples(grouped[key])
                terms[key] = task.paired_terms(grouped[key])
            made[key] = mark(rows, weak[task_id])
            explain = failure_saliency(task, variants[key], explainer)
            examples += build_examples(
                picks, conditions[key], task.label, variant, handle.name, explain
            )
    finally:
        explainer.close()
    paired = paired_details(terms)
    rows = [
        row.model_copy(update={"details": {**row.details, "paired": found}})
        if (found := paired.get((*key, row.attack, row.metric))) is not None
        else row
        for key, part in made.items()
        for row in part
    ]
    return rows, examples, stored_terms(terms, tasks, handle.name)


class SampleIds(Sequence[str]):
    """The planned samples' ids by position (a packed plan unpacks them a chunk at a time)."""

    def __init__(self, samples: Sequence[Sample]) -> None:
        self._samples = samples

    def __len__(self) -> int:
        return len(self._samples)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [s.id for s in self._samples[index]]
        return self._samples[index].id


def _header(
    config: RunConfig,
    handle: ModelHandle,
    cells: Sequence[Cell],
    not_run: Sequence[NotRun],
    source: DataSource | None = None,
    caps: Sequence[SampleCap] = (),
) -> dict[str, Any]:
    task_specs = {c.task.spec.canonical(): c.task.spec for c in cells}
    return {
        "vlmtrust_version": version("vlmtrust"),
        "schema_version": SCHEMA_VERSION,
        # the commit the CI says this run was made from (None outside CI): the history names it
        "commit": commit_from_env(),
        "model": {
            "spec": handle.spec,
            "name": handle.name,
            "fingerprint": handle.fingerprint,
            "caveats": list(handle.caveats),
        },
        "tasks": [s.model_dump(mode="json") for s in task_specs.values()],
        "conditions": {
            name: sorted({c.attack.label for c in cells if c.task.label == name})
            for name in {c.task.label for c in cells}
        },
        "attacks": sorted({c.attack.spec.canonical() for c in cells}),
        "samples": {c.task.label: len(c.samples) for c in cells},
        # per task: --limit, its n, the source's size, the count used and which cap set it
        "sample_caps": header_caps(caps),
        # what the report needs of each task, so it reads the store and never imports tasks
        "headlines": {c.task.label: c.task.headline for c in cells},
        "mitigations": list(config.mitigations),
        # (task, mitigation) pairs not scanned: the mitigation cannot act on the task
        "not_run": [n.header_entry() for n in not_run],
        "seed": config.seed,
        "limit": config.limit,
        "data": str(config.data) if config.data else None,
        "data_source": _data_entry(source),
        # only a scan run from a plan names one, so other headers keep their old form
        **({"plan": config.plan} if config.plan is not None else {}),
    }


def _data_entry(source: DataSource | None) -> dict[str, Any] | None:
    """The data set's name, size, content fingerprint, rows per split and category and warnings
    (None for a source that generates its data: the world)."""
    summary = source.summary() if source is not None else None
    if summary is None:
        return None
    return {
        "name": summary.name,
        "size": summary.size,
        "fingerprint": summary.fingerprint,
        "counts": summary.counts,
        "warnings": list(summary.warnings),
    }
