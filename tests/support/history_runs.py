"""Three real runs of one plan over time, shared by the history tests: the clean zoo:clip twin,
then the backdoored zoo:clip (a regression under the trigger), then the clean twin again, each
with the commit a CI would name."""

from pathlib import Path

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run

HISTORY_MODELS = ("zoo:clip-clean", "zoo:clip", "zoo:clip-clean")


@pytest.fixture(scope="session")
def history_runs(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("history")
    dirs = []
    with pytest.MonkeyPatch.context() as env:
        for i, model in enumerate(HISTORY_MODELS, 1):
            env.setenv("GITHUB_SHA", f"{i}" * 40)
            out = root / f"run{i}"
            config = RunConfig(
                model=model,
                tasks=(Spec(name="robustness.backdoor_trigger"),),
                out=out,
                limit=16,
                show_progress=False,
            )
            run(config)
            dirs.append(out)
    return dirs
