"""Rows that rest on too little data: the per-group minimums tasks declare (with the reason
for each number), and intervals bootstrapped over too few units.

A percentile bootstrap over a handful of units (5 retrieval sub-pools, 6 samples) resamples
the same few values: with 5 units there are only 126 distinct resamples, and a nominal 95%
interval for a mean of 5 normal values covers about 85% (the percentile interval is a z
interval with the sd shrunk by sqrt((n - 1) / n), where a t interval would be needed; at 10
units it covers about 90%). So a row whose interval is such a bootstrap says so, in the shape
the runner gives a task with too few samples (``details.underpowered``); its value and
interval stay as computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the fewest resampled units a percentile bootstrap interval is trusted over
MIN_BOOTSTRAP_UNITS = 10

# Per-group minimums tasks declare (``tasks.base.GroupMinimum``), each with its one-line reason.
#: one group's (or category's) rate on its own: Wilson at 10 and a rate of 0.5 is +-0.26
RATE_PER_GROUP = 10
RATE_WHY = (
    "a rate needs about 10 samples for its Wilson 95% interval to be within +-0.27 "
    "(at 5 it is +-0.33)"
)
#: a difference of two groups' rates: Newcombe at 30 per group and rates of 0.5 is +-0.24
GAP_PER_GROUP = 30
GAP_WHY = (
    "a difference between two groups' rates needs about 30 samples per group for its 95% "
    "interval to be narrower than +-0.25"
)
#: AUROC between two sides: Hanley-McNeil at 30 per side and AUROC 0.5 is +-0.15
AUROC_PER_SIDE = 30
AUROC_WHY = (
    "an AUROC between two sides needs about 30 samples per side for its 95% interval to be "
    "within +-0.15"
)


def bootstrap_note(units: int, unit: str) -> dict[str, Any] | None:
    """What ``details.underpowered`` says of an interval bootstrapped over ``units`` ``unit``
    (None: enough of them)."""
    if units >= MIN_BOOTSTRAP_UNITS:
        return None
    return {
        "n_samples": units,
        "minimum": MIN_BOOTSTRAP_UNITS,
        "why": (
            f"its 95% interval is a percentile bootstrap over {units} {unit}; over fewer than "
            f"{MIN_BOOTSTRAP_UNITS} the resamples repeat the same few values and the interval "
            "covers less than it claims"
        ),
        "fix": f"give it at least {MIN_BOOTSTRAP_UNITS} {unit}",
        "unit": unit,
    }


def describe(weak: Mapping[str, Any]) -> str:
    """One phrase for a ``details.underpowered`` note that names what is too small: the
    bootstrap's units (an interval over 5 sub-pools of 1,000 samples), a group, or the sample
    count, so a row with a large n never reads as "too few samples"."""
    n, minimum = weak.get("n_samples"), weak.get("minimum")
    if weak.get("unit"):
        return f"interval bootstrapped over {n} {weak['unit']} (fewer than {minimum})"
    if weak.get("group") is not None:
        where = f"{weak.get('key') or 'group'} {weak['group']}"
        return f"{where} has {n} samples (fewer than {minimum})"
    return f"{n} samples < {minimum}"


def with_bootstrap_note(details: Mapping[str, Any], units: int, unit: str) -> dict[str, Any]:
    """``details`` with the bootstrap's note added where ``units`` are too few (a note already
    there, e.g. from the task's own shortfall, is kept)."""
    note = bootstrap_note(units, unit)
    if note is None or "underpowered" in details:
        return dict(details)
    return {**details, "underpowered": note}


def rate_note(n: int, fix: str) -> dict[str, Any] | None:
    """What ``details.underpowered`` says of a rate over ``n`` items outside any task's
    samples (a judge's per-identity rate on its shipped set); None when there are enough."""
    if n >= RATE_PER_GROUP:
        return None
    return {"n_samples": n, "minimum": RATE_PER_GROUP, "why": RATE_WHY, "fix": fix}
