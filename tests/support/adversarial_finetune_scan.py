"""Real scans shared by the ``pgd_at`` and ``villa`` tests: robust accuracy at 2/255 (L-inf PGD,
10 steps) and the calibration rows, baseline and fine-tuned variant on the same samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmtrust_testing import report_rows

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run

ROBUST = "pgd(eps=2/255)"


def scan_rows(out: Path, mitigation: str, task: Spec) -> dict[tuple[str, str, str], dict[str, Any]]:
    """``(attack, mitigation, metric) -> row`` of one task scanned with and without
    ``mitigation``, read back from ``vlmtrust report --format json``."""
    config = RunConfig(
        model="zoo:clip", tasks=(task,), mitigations=(mitigation,), out=out, show_progress=False
    )
    run(config)
    return {(r["attack"], r["mitigation"], r["metric"]): r for r in report_rows(out)}


def adversarial_rows(out: Path, mitigation: str, n: int = 100) -> dict[tuple[str, str, str], Any]:
    task = Spec(name="robustness.adversarial", params={"n": n, "budgets": [2 / 255], "steps": 10})
    return scan_rows(out, mitigation, task)


def calibration_rows(out: Path, mitigation: str) -> dict[tuple[str, str, str], Any]:
    task = Spec(name="robustness.calibration", params={"n_in": 60, "n_out": 30, "resamples": 100})
    return scan_rows(out, mitigation, task)
