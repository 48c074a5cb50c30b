"""``ScanOptions``: the CLI's texts, the API's lists and a plan's specs give the same RunConfig."""

from pathlib import Path

from vlmtrust.core.spec import Spec
from vlmtrust.runner.options import ScanOptions


def test_cli_texts_and_plan_lists_build_the_same_config():
    from_cli = ScanOptions(
        model="zoo:clip",
        out=Path("o"),
        suite=("robustness,fairness",),
        tasks=("robustness.zero_shot:corruptions=[],batch_size=4",),
        mitigate=("guard:threshold=0.5,mode=x,abstain+temperature_scaling",),
    ).run_config()
    from_plan = ScanOptions(
        model="zoo:clip",
        out=Path("o"),
        suite=("robustness", "fairness"),
        tasks=(Spec(name="robustness.zero_shot", params={"corruptions": [], "batch_size": 4}),),
        mitigate=("guard:threshold=0.5,mode=x", "abstain+temperature_scaling"),
    ).run_config()
    assert from_cli == from_plan
    assert from_cli.mitigations == ("guard:threshold=0.5,mode=x", "abstain+temperature_scaling")
    assert from_cli.executor == Spec(name="local") and from_cli.plan is None


def test_no_suite_and_no_mitigation_are_empty():
    config = ScanOptions(model="zoo:clip", out=Path("o")).run_config()
    assert config.suite == () and config.mitigations == () and config.tasks == ()


def test_quiet_turns_progress_off_and_a_plan_header_is_kept():
    config = ScanOptions(
        model="zoo:clip", out=Path("o"), quiet=True, plan={"file": "p"}
    ).run_config()
    assert config.show_progress is False and config.plan == {"file": "p"}
