"""What the fairness tasks share: group-annotated samples (the user's, or world twins), query
files, rounded vectors for storage, and bootstrap intervals over sub-pools."""

from __future__ import annotations

import hashlib

import numpy as np

from vlmtrust.core.errors import DataError
from vlmtrust.core.paths import user_file
from vlmtrust.core.records import Sample
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate, percentile_interval
from vlmtrust.tasks.base import DataContext

#: decimals kept per stored similarity or embedding coordinate (far below any effect measured)
DECIMALS = 5


def twins_or_dataset(
    ctx: DataContext, pairs: int, group: str, *, prop_visible: bool = True
) -> list[Sample]:
    """The user's samples that carry ``group`` (all of them when none do, so the task reports
    them as unscorable), else ``pairs`` world twin pairs (capped by --limit)."""
    if ctx.dataset is not None:
        return list(ctx.dataset)
    from vlmtrust.data.world.twins import twin_samples

    n = min(pairs, max(1, ctx.limit // 2)) if ctx.limit else pairs
    return twin_samples(ctx.seed, n, prop_visible=prop_visible)


def read_lines(path: str, what: str) -> tuple[str, ...]:
    """Non-empty, non-comment lines of a user's text file (queries, prompts, attribute words)."""
    file = user_file(path, f"{what} file")
    if not file.is_file():
        raise DataError(f"{what} file {file} does not exist", "pass a text file, one per line")
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise DataError(f"{what} file {file} is not UTF-8 text", "save it as UTF-8") from None
    kept = tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    if not kept:
        raise DataError(f"{what} file {file} has no lines", "write one entry per line")
    return kept


def stable_bucket(key: str, buckets: int) -> int:
    """A bucket from a hash of ``key``: the same on every run and machine."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % buckets


def rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), DECIMALS) for v in values]


def mean_over_pools(
    cells: np.ndarray, n: int, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Estimate:
    """Mean of a (queries x pools) matrix with a percentile bootstrap interval from resampling
    whole pools (columns): pools are the independent units; queries share a pool's images."""
    value = float(cells.mean())
    pools = cells.shape[1]
    if pools < 2:
        return Estimate(value, None, None, n)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, pools, size=(resamples, pools))
    replicates = cells[:, draws].mean(axis=(0, 2))
    low, high = percentile_interval(replicates)
    return Estimate(value, low, high, n)
