"""What the fairness tasks share: group-annotated samples (twins from the run's source), query
files, rounded vectors for storage, and bootstrap intervals over sub-pools."""

from __future__ import annotations

import hashlib

import numpy as np

from vlmtrust.core.errors import DataError
from vlmtrust.core.paths import user_file
from vlmtrust.core.records import Sample
from vlmtrust.data.source import Twins
from vlmtrust.metrics.rates import DEFAULT_RESAMPLES, Estimate, Resampled, percentile_interval
from vlmtrust.tasks.base import DataContext

#: decimals kept per stored similarity or embedding coordinate (far below any effect measured)
DECIMALS = 5


def twin_pairs(
    ctx: DataContext, pairs: int, *, prop_visible: bool = True, compared_by: str = ""
) -> list[Sample]:
    """``pairs`` counterfactual twin pairs (--limit caps the samples, two per pair) from the
    run's source; a user's dataset answers with all its samples (those without the group
    attribute are reported unscorable). ``compared_by`` names a task that compares the two
    twins of each pair, which a pool of unrelated images cannot serve."""
    n = min(pairs, max(1, ctx.limit // 2)) if ctx.limit else pairs
    request = Twins(
        pairs=n,
        props="visible" if prop_visible else "hidden",
        paired=bool(compared_by),
        task=compared_by,
    )
    return ctx.samples(request)


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
    return Estimate(value, low, high, n, resampled=Resampled(pools, "sub-pools"))
