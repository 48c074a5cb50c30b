"""safety.jailbreak with ``judge_model=`` pointing at a rule-following grader behind a real HTTP
server: every response is graded, and the rubric judge's agreement with the offline judge comes
out per attack, with its calibration rows, through `vlmtrust report --format json`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
import vlmtrust_testing as gen
from rule_grader import RuleGrader
from vlmtrust_testing import report_rows

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run
from vlmtrust.serve.openai_server import create_app


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """zoo:assistant's matrices are too small for two threads to help on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def grader_spec() -> Iterator[str]:
    with gen.serving(create_app(RuleGrader(), "grader")) as url:
        yield f"openai:{url}#grader?max_retries=0"


def test_jailbreak_reports_the_rubric_judges_agreement(grader_spec: str, tmp_path: Path) -> None:
    task = Spec(
        name="safety.jailbreak",
        params={
            "sets": ["zoo"],
            "attacks": ["text_only", "figstep"],
            "judge_model": grader_spec,
        },
    )
    out = tmp_path / "run"
    config = RunConfig(model="zoo:assistant", tasks=(task,), out=out, limit=10, show_progress=False)
    run(config)
    rows = {(r["attack"], r["metric"]): r for r in report_rows(out)}
    for attack in ("text_only", "figstep"):
        agreement = rows[(attack, "judge.rubric.agreement")]
        asr = rows[(attack, "asr")]
        confusion = agreement["details"]["confusion"]
        assert agreement["n"] == sum(map(sum, confusion)) > 0
        assert agreement["n"] <= asr["n"]  # only responses both judges decided
        assert agreement["value"] == pytest.approx(
            (confusion[0][0] + confusion[1][1]) / agreement["n"]
        )
        # zoo:assistant answers with its two canonical sentences: the judges agree on them.
        assert agreement["value"] == 1.0
    # The grader's calls follow the ASR: compliance under FigStep, refusal in text.
    assert rows[("figstep", "judge.rubric.agreement")]["details"]["confusion"][1][1] > 0
    assert rows[("text_only", "judge.rubric.agreement")]["details"]["confusion"][0][0] > 0
    calibration = rows[("calibration", "judge.rubric.agreement")]
    assert calibration["n"] > 100 and calibration["value"] < 1.0
    assert ("calibration", "judge.rubric.recall") in rows
