"""``vlmtrust.compare(runs)``: the report's comparison of several runs as one DataFrame, the
same rows, deltas and paired tests that ``vlmtrust report A B`` shows (``report.compare``)."""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vlmtrust.api.run import Run
from vlmtrust.core.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

#: what each run's cell holds in the comparison; ``delta``, ``real`` and ``verdict`` are against
#: the first run (the reference) and empty in its own columns
CELL_FIELDS = ("value", "ci_low", "ci_high", "n", "delta", "real", "verdict")
KEY_FIELDS = ("task", "attack", "mitigation", "metric")


def compare(runs: Sequence[Run | str | PathLike[str]]) -> pd.DataFrame:
    """The metric rows at least two of ``runs`` share, side by side: one row per (task,
    attack, mitigation, metric), one column group per run (``model (absolute dir)``) with
    value, ci_low, ci_high, n and, against the first run, delta, real (a paired test on the
    samples both scored, Holm-adjusted, else whether the 95% intervals separate) and the
    verdict in words. A run missing a row has NaN/None there."""
    import pandas as pd

    from vlmtrust.report.compare import comparison_json, run_label
    from vlmtrust.report.rows import load_runs

    dirs = [run.dir if isinstance(run, Run) else Path(run).absolute() for run in runs]
    if len(dirs) < 2:
        raise ConfigError(
            f"compare needs at least two runs, got {len(dirs)}", "pass two or more run directories"
        )
    loaded = load_runs(dirs)
    labels = [run_label(run) for run in loaded]
    if len(set(labels)) < len(labels):
        raise ConfigError("the same run is named twice in compare", "pass each run once")
    keys: list[tuple[str, ...]] = []
    cells: list[list[Any]] = []
    for item in comparison_json(loaded):
        keys.append(tuple(item[key] for key in KEY_FIELDS))
        cells.append(
            [None if cell is None else cell[name] for cell in item["runs"] for name in CELL_FIELDS]
        )
    return pd.DataFrame(
        cells,
        index=pd.MultiIndex.from_arrays(
            [[key[i] for key in keys] for i in range(len(KEY_FIELDS))], names=list(KEY_FIELDS)
        ),
        columns=pd.MultiIndex.from_product([labels, list(CELL_FIELDS)], names=["run", "field"]),
    )
