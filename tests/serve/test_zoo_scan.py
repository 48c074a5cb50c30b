"""A real scan through the openai: adapter against `vlmtrust zoo serve zoo:assistant`, started
as its own process on 127.0.0.1: the answers match scanning zoo:assistant directly."""

import sys
from collections.abc import Iterator

import pytest
from served import serving

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run

TASK = Spec(name="robustness.vqa", params={"n": 12, "corruptions": ["jpeg"]})


@pytest.fixture(scope="module")
def served_assistant() -> Iterator[str]:
    command = [sys.executable, "-m", "vlmtrust", "zoo", "serve", "zoo:assistant", "--port", "0"]
    with serving(command, "serving ") as served:
        yield served.url


def _scan(model: str, out) -> dict[tuple[str, str], float | None]:
    summary = run(RunConfig(model=model, tasks=(TASK,), out=out, show_progress=False))
    return {(r.attack, r.metric): r.value for r in summary.metrics}


def test_scan_over_http_matches_the_local_model(served_assistant, tmp_path):
    remote = _scan(f"openai:{served_assistant}#assistant", tmp_path / "remote")
    local = _scan("zoo:assistant", tmp_path / "local")
    assert remote == local
    assert remote[("none", "accuracy")] >= 0.7
    again = run(
        RunConfig(
            model=f"openai:{served_assistant}#assistant",
            tasks=(TASK,),
            out=tmp_path / "remote",
            show_progress=False,
        )
    )
    assert again.executed == 0 and again.model_calls == 0
