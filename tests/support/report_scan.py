"""One real zoo scan shared by the report tests: zoo:clip on four robustness tasks with a
mitigation, small enough to run in seconds, rich enough to exercise every report part."""

from pathlib import Path

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run

SCAN_TASKS = (
    Spec(name="robustness.zero_shot", params={"corruptions": ["gaussian_noise", "jpeg"]}),
    Spec(name="robustness.calibration"),
    Spec(name="robustness.ood"),
    Spec(name="robustness.adversarial", params={"steps": 1, "budgets": [2 / 255, 4 / 255]}),
)


@pytest.fixture(scope="session")
def zoo_scan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zoo_scan")
    config = RunConfig(
        model="zoo:clip",
        tasks=SCAN_TASKS,
        mitigations=("temperature_scaling:n=64",),
        out=out,
        limit=12,
        show_progress=False,
    )
    run(config)
    return out
