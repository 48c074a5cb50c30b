"""``scan_config``: the CLI's texts and a plan's lists give the same RunConfig."""

from pathlib import Path

from vlmtrust.core.spec import Spec
from vlmtrust.runner.configure import scan_config


def test_cli_texts_and_plan_lists_build_the_same_config():
    from_cli = scan_config(
        model="zoo:clip",
        out=Path("o"),
        suite="robustness,fairness",
        tasks=["robustness.zero_shot:corruptions=[],batch_size=4"],
        mitigate="guard:threshold=0.5,mode=x,abstain+temperature_scaling",
    )
    from_plan = scan_config(
        model="zoo:clip",
        out=Path("o"),
        suite=["robustness", "fairness"],
        tasks=[Spec(name="robustness.zero_shot", params={"corruptions": [], "batch_size": 4})],
        mitigate=["guard:threshold=0.5,mode=x", "abstain+temperature_scaling"],
    )
    assert from_cli == from_plan
    assert from_cli.mitigations == ("guard:threshold=0.5,mode=x", "abstain+temperature_scaling")
    assert from_cli.executor == Spec(name="local") and from_cli.plan is None


def test_no_suite_and_no_mitigation_are_empty():
    config = scan_config(model="zoo:clip", out=Path("o"))
    assert config.suite == () and config.mitigations == () and config.tasks == ()
