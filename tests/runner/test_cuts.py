"""``--budget-s`` reaches every task that takes a budget (CLI options, plan files, the API),
and the runner prints what a budget cut."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from vlmtrust.api.scan import ScanOptions
from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import Spec
from vlmtrust.runner.cuts import report_cuts
from vlmtrust.runner.plan import load_plan
from vlmtrust.tasks.suite import with_budget


def test_budget_goes_to_tasks_that_take_one_and_an_explicit_one_wins() -> None:
    specs = [
        Spec(name="robustness.backdoor_scan"),
        Spec(name="robustness.caption_backdoor_scan", params={"budget_s": 9.0}),
        Spec(name="robustness.zero_shot"),
    ]
    budgeted = with_budget(specs, 120.0)
    assert budgeted[0].params == {"budget_s": 120.0}
    assert budgeted[1].params == {"budget_s": 9.0}
    assert budgeted[2] == specs[2]
    assert with_budget(specs, None) == tuple(specs)


def test_cli_options_the_api_and_plans_carry_the_budget(tmp_path: Path, monkeypatch) -> None:
    options = ScanOptions(model="zoo:clip", out=Path("o"), budget_s=45)
    assert options.run_config().budget_s == 45
    (tmp_path / "plan.toml").write_text(
        'out = "runs/p"\nmodels = ["zoo:clip"]\nsuite = ["robustness"]\nbudget_s = 60\n'
    )
    monkeypatch.chdir(tmp_path)
    assert load_plan(Path("plan.toml")).scans[0].config.budget_s == 60


def _row(task: str, mitigation: str, details: dict[str, object]) -> MetricRow:
    return MetricRow(
        task=task,
        attack="none",
        mitigation=mitigation,
        metric="max_anomaly_index",
        value=1.0,
        ci_low=None,
        ci_high=None,
        n=3,
        model="m",
        details=details,
    )


def test_a_cut_is_printed_once_per_task_and_variant() -> None:
    cut = {"cut": {"summary": "cut to 4 images"}}
    rows = [
        _row("robustness.backdoor_scan", "none", cut),
        _row("robustness.backdoor_scan", "none", cut),
        _row("robustness.backdoor_scan", "guard", cut),
        _row("robustness.zero_shot", "none", {}),
    ]
    buffer = io.StringIO()
    lines = report_cuts(rows, Console(file=buffer, width=200))
    assert lines == ["robustness.backdoor_scan: cut to 4 images"] * 2
    printed = buffer.getvalue().splitlines()
    assert printed == [
        "budget robustness.backdoor_scan: cut to 4 images",
        "budget robustness.backdoor_scan: cut to 4 images [guard]",
    ]
