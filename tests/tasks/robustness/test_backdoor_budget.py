"""robustness.backdoor_scan under a budget its model cannot meet: the scan on zoo:clip through
the runner is cut, stops by its deadline, records the cut in its rows and prints it; under
its default budget the same small search is not cut and records nothing."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data.world.flaws import BACKDOOR_TARGET
from vlmtrust.runner import run

SMALL = {
    "labels": ["a photo of a circle.", "a photo of a square.", BACKDOOR_TARGET],
    "n_images": 4,
    "steps": 15,
}


def _scan(tmp_path: Path, budget_s: float | None) -> tuple[dict[str, object], str]:
    buffer = io.StringIO()
    summary = run(
        RunConfig(
            model="zoo:clip",
            tasks=(Spec(name="robustness.backdoor_scan", params=SMALL),),
            out=tmp_path / "run",
            budget_s=budget_s,
        ),
        console=Console(file=buffer, width=400),
    )
    top = next(r for r in summary.metrics if r.metric == "max_anomaly_index")
    return top.details, buffer.getvalue()


def test_an_impossible_budget_cuts_the_scan_and_says_what_it_cut(tmp_path: Path) -> None:
    details, printed = _scan(tmp_path, 0.001)
    cut = details["cut"]
    assert isinstance(cut, dict)
    assert cut["budget_s"] == 0.001 and cut["labels_cut"] == 3
    assert cut["stopped"]["budget"] == 3 and cut["steps_run"] == [1, 1, 1]
    assert cut["n_images"] == [4] and cut["threads"] >= 1
    assert cut["full_estimate_s"] > 0.001
    assert "budget robustness.backdoor_scan: the full search" in printed
    assert "3 stopped by the budget" in printed


def test_a_search_that_fits_records_no_cut(tmp_path: Path) -> None:
    details, printed = _scan(tmp_path, None)
    assert "cut" not in details and "budget robustness" not in printed
