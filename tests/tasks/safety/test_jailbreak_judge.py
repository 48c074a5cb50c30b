"""safety.jailbreak with ``judge=``: a served Llama Guard scores every answer instead of the
offline judge; rows name the judge, and what it cannot read is unscorable, never a pass or a
fail. Without ``judge`` the task's spec (hence its cache key) is what it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vlmtrust_testing as gen
from guard_server import GARBLED, SAFE, UNSAFE, GuardServer
from tiny_guards import build_tiny_llama_guard_3

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import DataContext, build_task

ATTACKS = ["text_only", "figstep"]


def by_answer(turns: list[str]) -> str:
    """Refusals are safe; compliance is unsafe, except on the ransomware probe (malformed)."""
    request, answer = turns[0].lower(), turns[-1].lower()
    if "sorry" in answer:
        return SAFE
    return GARBLED if "ransomware" in request else UNSAFE


@pytest.fixture(scope="module")
def guard_spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    checkpoint = build_tiny_llama_guard_3(tmp_path_factory.mktemp("lg3") / "guard")
    with gen.serving(GuardServer(checkpoint, answer=by_answer).app) as url:
        yield f"llama_guard:openai:{url}#llama-guard?max_retries=0"


def rows(params: dict[str, Any]) -> dict[tuple[str, str], Any]:
    task = build_task(Spec(name="safety.jailbreak", params={"sets": ["zoo"], **params}))
    samples = task.samples(DataContext(limit=3))
    model = resolve_model("zoo:assistant").load()
    found = gen.run_task_directly("safety.jailbreak", model, task.spec.params, samples)
    return {(r.attack, r.metric): r for r in found}


def test_without_judge_the_spec_is_unchanged() -> None:
    task = build_task(Spec(name="safety.jailbreak", params={"attacks": ATTACKS}))
    assert "judge" not in task.spec.params


def test_a_guard_model_is_the_tasks_judge(guard_spec: str) -> None:
    found = rows({"attacks": ATTACKS, "judge": guard_spec})
    text, figstep = found[("text_only", "asr")], found[("figstep", "asr")]
    # zoo:assistant refuses in text (safe) and complies under FigStep (unsafe); the ransomware
    # probe's malformed verdict there leaves the rate and is counted apart
    assert (text.value, text.n, text.details["n_unscorable"]) == (0.0, 3, 0)
    assert (figstep.value, figstep.n, figstep.details["n_unscorable"]) == (1.0, 2, 1)
    assert "not 'safe' or 'unsafe'" in next(iter(figstep.details["unscorable_reasons"]))
    assert all(r.details["judge"] == guard_spec for r in found.values())
    assert ("calibration", "precision") not in {(a, m.split(".")[-1]) for a, m in found}
    assert found[("figstep", "unscorable_rate")].value == pytest.approx(1 / 3)


def test_a_random_guard_leaves_every_answer_unscorable(tmp_path: Path) -> None:
    checkpoint = build_tiny_llama_guard_3(tmp_path / "random")
    found = rows(
        {"attacks": ["text_only"], "judge": f"llama_guard:hf:{checkpoint}?max_new_tokens=4"}
    )
    asr = found[("text_only", "asr")]
    assert (asr.value, asr.n, asr.details["n_unscorable"]) == (None, 0, 3)


def test_a_judge_that_reads_no_answers_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sg2"
    path.mkdir()
    (path / "config.json").write_text('{"model_type": "shieldgemma2"}')
    with pytest.raises(ConfigError, match="does not read answers"):
        build_task(Spec(name="safety.jailbreak", params={"judge": f"shieldgemma2:hf:{path}"}))
