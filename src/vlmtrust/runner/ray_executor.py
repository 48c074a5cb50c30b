"""``--executor ray``: work units run in Ray actors, results stream back to the driver.

Only the driver writes the store (the runner stores what ``run`` yields), so Ray changes where
units run, never what is stored. A few units per actor are in flight at a time, submitted
lazily from the unit list, so the driver never ships the whole scan at once. A unit whose actor
dies goes to a fresh actor, up to ``retries`` times; a unit is yielded once at most, so nothing
is stored twice. The driver polls in short waits and checks the interrupt flag between them, so
Ctrl-C stops a Ray scan as it stops a local one: outstanding units are cancelled, the actors
killed, a local Ray instance this process started shut down, and what was stored kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from vlmtrust.core.errors import ConfigError, VlmtrustError
from vlmtrust.core.spec import Params, Spec, validate_params
from vlmtrust.models.base import ModelHandle
from vlmtrust.runner.executor import UnitResult, WorkUnit
from vlmtrust.runner.interrupts import InterruptFlag
from vlmtrust.runner.ray_cluster import (
    RayConnection,
    check_reachable,
    check_resources,
    connect,
    import_ray,
)
from vlmtrust.runner.ray_worker import UnitWorker, on_cuda

#: units queued per actor: enough to hide the round trip, few enough to keep the driver small
IN_FLIGHT_PER_WORKER = 2
#: seconds per wait, so the driver returns to Python (and its Ctrl-C handler) this often
POLL_SECONDS = 0.2
SPEC_FIX = "write --executor 'ray:workers=N,cpus=N,retries=N' (all optional)"


class RayOptions(Params):
    workers: int = Field(default=2, ge=1, description="actors, each with its own model cache")
    cpus: float = Field(default=1, gt=0, description="CPUs per actor (its torch threads)")
    retries: int = Field(default=2, ge=0, description="re-runs of a unit whose actor died")
    address: str | None = Field(default=None, description="HOST:PORT of a running cluster")


def parse_options(spec: Spec) -> RayOptions:
    try:
        return validate_params(RayOptions, spec)
    except ConfigError as err:
        raise ConfigError(err.problem, SPEC_FIX) from err


class WorkerLost(VlmtrustError):
    """A unit's actor died more often than ``retries`` allows (killed, out of memory, its node
    gone): one line, since the fix is the user's (more retries, more memory per worker)."""


@dataclass
class _Slot:
    """One actor position: replaced by a fresh actor when its actor dies."""

    actor: Any
    queued: int = 0
    generation: int = 0


@dataclass
class _Flight:
    index: int
    slot: int
    generation: int
    attempts: int = 1


@dataclass
class _Pool:
    ray: Any
    factory: Any
    slots: list[_Slot] = field(default_factory=list)
    #: actors started in place of dead ones
    replaced: int = 0

    def replace(self, slot: int, generation: int) -> None:
        """Swap in a fresh actor unless another lost unit of the same actor did already."""
        current = self.slots[slot]
        if current.generation != generation:
            return
        self.ray.kill(current.actor, no_restart=True)
        self.slots[slot] = _Slot(self.factory(), current.queued, generation + 1)
        self.replaced += 1

    def kill_all(self) -> None:
        for slot in self.slots:
            self.ray.kill(slot.actor, no_restart=True)
        self.slots.clear()


class RayExecutor:
    """Ray actors as executor; Ray is started (or joined) on the first ``run``, not when built."""

    def __init__(self, options: RayOptions) -> None:
        import_ray()  # a missing extra fails before the store opens
        if options.address is not None:
            check_reachable(options.address)
        self.options = options
        self._connection: RayConnection | None = None
        self._stream: Iterator[UnitResult] | None = None
        self.pool: _Pool | None = None

    def run(
        self, units: Sequence[WorkUnit], interrupted: InterruptFlag | None = None
    ) -> Iterator[UnitResult]:
        self._stream = self._results(units, interrupted)
        return self._stream

    def _results(
        self, units: Sequence[WorkUnit], interrupted: InterruptFlag | None
    ) -> Iterator[UnitResult]:
        if not units:
            return
        placed = actor_options(self.options, units[0].model)
        self._connection = connect(self.options.address, _local_cpus(self.options))
        ray = self._connection.ray
        check_resources(ray, placed["num_cpus"], placed["num_gpus"], self.options.workers)
        actor_class = ray.remote(UnitWorker).options(**placed)
        threads, gpu = max(1, int(self.options.cpus)), bool(placed["num_gpus"])

        def factory() -> Any:
            return actor_class.remote(threads, gpu)

        pool = _Pool(ray, factory, [_Slot(factory()) for _ in range(self.options.workers)])
        self.pool = pool  # for tests: the live actors
        flights: dict[Any, _Flight] = {}
        try:
            yield from self._drive(units, pool, flights, interrupted)
        finally:
            _quietly(lambda: [ray.cancel(ref) for ref in flights])
            _quietly(pool.kill_all)

    def _drive(
        self,
        units: Sequence[WorkUnit],
        pool: _Pool,
        flights: dict[Any, _Flight],
        interrupted: InterruptFlag | None,
    ) -> Iterator[UnitResult]:
        ray = pool.ray
        # the actor's process or node died, or took the unit's result with it
        lost = (
            ray.exceptions.RayActorError,
            ray.exceptions.WorkerCrashedError,
            ray.exceptions.ObjectLostError,
        )
        upcoming = iter(range(len(units)))

        def submit(index: int, slot: int, attempts: int) -> None:
            target = pool.slots[slot]
            ref = target.actor.run.remote(units[index])
            target.queued += 1
            flights[ref] = _Flight(index, slot, target.generation, attempts)

        def fill() -> None:
            for slot, target in enumerate(pool.slots):
                while target.queued < IN_FLIGHT_PER_WORKER:
                    index = next(upcoming, None)
                    if index is None:
                        return
                    submit(index, slot, 1)

        fill()
        while flights:
            if interrupted is not None:
                interrupted.check()
            ready, _ = ray.wait(list(flights), num_returns=1, timeout=POLL_SECONDS)
            for ref in ready:
                flight = flights.pop(ref)
                pool.slots[flight.slot].queued -= 1
                try:
                    result: UnitResult = ray.get(ref)
                except lost as err:
                    if flight.attempts > self.options.retries:
                        raise WorkerLost(
                            f"a unit's Ray worker died {flight.attempts} times "
                            f"(retries={self.options.retries}): {_first_line(err)}",
                            "raise retries= in --executor ray:..., or give workers more memory "
                            "(fewer workers= per node); stored results are kept",
                        ) from err
                    pool.replace(flight.slot, flight.generation)
                    submit(flight.index, flight.slot, flight.attempts + 1)
                    continue
                except ray.exceptions.RayTaskError as err:
                    cause = err.cause
                    raise (cause if isinstance(cause, Exception) else err) from None
                yield result
            fill()

    def close(self) -> None:
        """Stop the actors (closing the stream runs its cleanup) before Ray goes down."""
        stream, self._stream = self._stream, None
        if stream is not None:
            close_stream = getattr(stream, "close", None)
            if callable(close_stream):
                close_stream()
        if self._connection is not None:
            self._connection.shutdown()
            self._connection = None


def actor_options(options: RayOptions, model: ModelHandle) -> dict[str, Any]:
    """Resources of one actor: a GPU where the model's placement is on CUDA, else ``cpus`` CPUs;
    never restarted by Ray itself (the executor replaces a dead actor, so it counts retries)."""
    gpus = 1 if on_cuda(model) else 0
    return {
        "num_cpus": 0 if gpus else options.cpus,
        "num_gpus": gpus,
        "max_restarts": 0,
        "max_task_retries": 0,
    }


def _local_cpus(options: RayOptions) -> int:
    """CPUs a local instance gets: what the actors ask for, rounded up."""
    needed = options.cpus * options.workers
    return max(1, int(needed) + (0 if needed == int(needed) else 1))


def _quietly(action: Callable[[], object]) -> None:
    """Cleanup on the way out of an error or Ctrl-C must not replace it with its own (an actor
    already gone is as good as killed)."""
    with contextlib.suppress(Exception):
        action()


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
