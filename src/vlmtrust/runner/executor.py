"""Executors run work units: a batch of samples plus everything needed to score them.

A unit is self-contained and picklable (model handle, specs, samples), so any executor can ship
it to a worker: the local one runs it in-process, the Ray one (``runner.ray_executor``) in Ray
actors. Workers keep loaded models in a cache keyed by fingerprint, so a model loads once per
worker, and only when there is work for it: a fully cached re-run never loads a model at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.models.base import ModelHandle
from vlmtrust.runner.interrupts import InterruptFlag


class WorkUnit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model: ModelHandle
    task: Spec
    attack: Spec
    mitigations: tuple[Spec, ...]
    samples: tuple[Sample, ...]
    keys: tuple[str, ...]


class UnitResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    keys: tuple[str, ...]
    scores: tuple[tuple[Score, ...], ...]
    model_calls: int


class Executor(Protocol):
    def run(
        self, units: Sequence[WorkUnit], interrupted: InterruptFlag | None = None
    ) -> Iterator[UnitResult]:
        """Yield one result per unit as units finish (any order); an executor that waits on
        others checks ``interrupted`` while it waits, so Ctrl-C is never held up."""
        ...

    def close(self) -> None: ...


class ModelCache:
    """Loaded (and wrapped) models of one worker, keyed by fingerprint and mitigations."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, str], Any] = {}

    def get(self, handle: ModelHandle, mitigations: Sequence[Spec]) -> Any:
        from vlmtrust.mitigations.base import build_mitigation

        key = (handle.fingerprint, "+".join(m.canonical() for m in mitigations))
        if key not in self._models:
            model = handle.load()
            for spec in mitigations:
                model = build_mitigation(spec).wrap(model)
            self._models[key] = model
        return self._models[key]

    def close(self) -> None:
        for model in self._models.values():
            close = getattr(model, "close", None)
            if callable(close):
                close()
        self._models.clear()


def execute_unit(unit: WorkUnit, cache: ModelCache) -> UnitResult:
    """Attack the samples, score them with the (mitigated) model, count the model calls."""
    from vlmtrust.attacks.base import build_attack
    from vlmtrust.tasks.base import build_task

    model = cache.get(unit.model, unit.mitigations)
    attack = build_attack(unit.attack)
    attacked = attack.apply_batch(unit.samples, model)
    before = _calls(model)
    scores = build_task(unit.task).score(model, attacked)
    if len(scores) != len(unit.samples):
        raise RuntimeError(
            f"task {unit.task.name} returned {len(scores)} results for {len(unit.samples)} samples"
        )
    return UnitResult(
        keys=unit.keys,
        scores=tuple(tuple(s) for s in scores),
        model_calls=_calls(model) - before,
    )


def _calls(model: Any) -> int:
    return int(getattr(model, "calls", 0))


class LocalExecutor:
    """Runs units one after another in this process."""

    def __init__(self) -> None:
        self._cache = ModelCache()

    def run(
        self, units: Sequence[WorkUnit], interrupted: InterruptFlag | None = None
    ) -> Iterator[UnitResult]:
        for unit in units:
            yield execute_unit(unit, self._cache)

    def close(self) -> None:
        self._cache.close()


def executor_spec(text: str, address: str | None) -> Spec:
    """``--executor`` and ``--address`` -> one spec (the address joins a Ray spec's options)."""
    from vlmtrust.core.spec import parse_spec

    spec = parse_spec(text)
    if address is None:
        return spec
    if spec.name != "ray":
        raise ConfigError(
            f"--address is for --executor ray, not {spec.name}", "add --executor ray or drop it"
        )
    return spec.model_copy(update={"params": {**spec.params, "address": address}})


def build_executor(spec: Spec) -> Executor:
    """The executor a spec names, checked (options, the Ray extra, a reachable ``address``)
    but not started, so a bad ``--executor`` fails before the store opens."""
    if spec.name == "local":
        if spec.params:
            raise ConfigError(
                f"--executor local takes no options (got {', '.join(sorted(spec.params))})",
                "drop them, or use --executor 'ray:workers=N,...' and --address",
            )
        return LocalExecutor()
    if spec.name == "ray":
        from vlmtrust.runner.ray_executor import RayExecutor, parse_options

        return RayExecutor(parse_options(spec))
    raise ConfigError(f"unknown executor {spec.name!r}", "use --executor local or ray")
