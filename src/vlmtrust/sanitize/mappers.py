"""Where sanitize's per-row work runs: in this process, or on Ray Data (``--executor ray``).

A mapper applies a function to consecutive batches of a list and yields each batch's result in
input order. Everything global (LSH grouping, the greedy keep/drop pass, the journal, the
output files of the copy, the audit) stays on the driver, so a Ray run writes exactly what a
local run writes; only the row-independent work (pHashes, MinHash sketches, the PII gate and
Presidio, image redaction) is mapped. On Ray every batch is one row of a Ray Data dataset
(pickled items), mapped by ``map_batches`` in tasks of ``cpus`` CPUs, at most ``workers`` at a
time, and read back in order (``preserve_order``). Workers read DATA and write OUT by path: on
a multi-node cluster both must be on a filesystem every node mounts at the same path.
"""

from __future__ import annotations

import functools
import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import Field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params, parse_spec, validate_params
from vlmtrust.sanitize.minhash import Banding, Sketches, concat_sketches, sketch_texts

A = TypeVar("A")
R = TypeVar("R")
EXECUTOR_FIX = "use --executor local or 'ray:workers=N,cpus=N' (both optional)"


class Mapper(Protocol):
    def map(self, fn: Callable[[list[A]], R], items: Sequence[A], batch: int) -> Iterator[R]:
        """``fn`` of consecutive slices of ``items`` (at most ``batch`` long), in order."""
        ...

    def sketcher(self) -> Callable[[list[str], Banding], Sketches] | None:
        """How MinHash sketches are computed (None: in this process, by dedup itself)."""
        ...

    def close(self) -> None: ...


class LocalMapper:
    def map(self, fn: Callable[[list[A]], R], items: Sequence[A], batch: int) -> Iterator[R]:
        for start in range(0, len(items), batch):
            yield fn(list(items[start : start + batch]))

    def sketcher(self) -> Callable[[list[str], Banding], Sketches] | None:
        return None

    def close(self) -> None:
        pass


class RayDataOptions(Params):
    workers: int = Field(default=2, ge=1, description="Ray Data tasks running at once")
    cpus: float = Field(default=1, gt=0, description="CPUs per task")
    address: str | None = Field(default=None, description="HOST:PORT of a running cluster")


#: texts per sketch batch: large enough that a task's start-up is small beside its work
SKETCH_BATCH = 50_000


class RayDataMapper:
    """Batches as rows of a Ray Data dataset, mapped in tasks; the Ray connection is opened
    here and shut down by :meth:`close` if this process started it."""

    def __init__(self, options: RayDataOptions) -> None:
        from vlmtrust.runner.ray_cluster import connect

        self.options = options
        needed = options.cpus * options.workers
        self.connection = connect(options.address, max(1, int(needed) + (needed % 1 > 0)))
        import ray.data

        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)

    def map(self, fn: Callable[[list[A]], R], items: Sequence[A], batch: int) -> Iterator[R]:
        import ray.data

        if not items:
            return
        # at least two batches per worker where there are enough items: none sits idle
        batch = max(1, min(batch, -(-len(items) // (2 * self.options.workers))))
        chunks = [
            {"batch": pickle.dumps(list(items[s : s + batch]))} for s in range(0, len(items), batch)
        ]
        dataset = ray.data.from_items(chunks, override_num_blocks=len(chunks)).map_batches(
            _apply,  # type: ignore[arg-type]  # a dict-of-arrays batch function, as documented
            batch_size=1,
            fn_kwargs={"fn": fn},
            num_cpus=self.options.cpus,
            concurrency=min(self.options.workers, len(chunks)),
        )
        for row in dataset.iter_rows():
            yield pickle.loads(row["result"])

    def sketcher(self) -> Callable[[list[str], Banding], Sketches] | None:
        def sketch_on_ray(texts: list[str], band: Banding) -> Sketches:
            parts = list(self.map(functools.partial(_sketch, band=band), texts, SKETCH_BATCH))
            return concat_sketches(parts)

        return sketch_on_ray

    def close(self) -> None:
        self.connection.shutdown()


def _sketch(texts: list[str], band: Banding) -> Sketches:
    return sketch_texts(texts, band)


def _apply(
    batch: dict[str, npt.NDArray[Any]], fn: Callable[[list[Any]], Any]
) -> dict[str, npt.NDArray[Any]]:
    """One dataset row (a pickled slice of items) -> one row holding ``fn``'s pickled result."""
    (raw,) = batch["batch"]
    result = pickle.dumps(fn(pickle.loads(raw)))
    out = np.empty(1, dtype=object)
    out[0] = result
    return {"result": out}


def open_mapper(executor: str, address: str | None = None) -> Mapper:
    """``--executor local`` or ``ray[:workers=N,cpus=N]`` (``--address`` joins a cluster)."""
    spec = parse_spec(executor)
    if address is not None and spec.name != "ray":
        raise ConfigError(
            f"--address is for --executor ray, not {spec.name}", "add --executor ray or drop it"
        )
    if spec.name == "local":
        if spec.params:
            raise ConfigError("--executor local takes no options", EXECUTOR_FIX)
        return LocalMapper()
    if spec.name != "ray":
        raise ConfigError(f"unknown executor {spec.name!r}", EXECUTOR_FIX)
    params = {**spec.params, **({"address": address} if address is not None else {})}
    try:
        options = validate_params(RayDataOptions, spec.model_copy(update={"params": params}))
    except ConfigError as err:
        raise ConfigError(err.problem, EXECUTOR_FIX) from err
    from vlmtrust.runner.ray_cluster import check_reachable, import_ray

    import_ray()
    try:
        import ray.data  # noqa: F401  # needs pandas and pyarrow (ray[data])
    except ImportError as err:
        raise ConfigError(
            f"sanitize --executor ray needs Ray Data, which cannot load ({err})",
            "pip install 'ray[data]' (pandas, pyarrow), or use --executor local",
        ) from err
    if options.address is not None:
        check_reachable(options.address)
    return RayDataMapper(options)
