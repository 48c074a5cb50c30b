"""adversarial_instruct: on seeded data a tiny fine-tune against the group adversary leaves a
fresh probe less of the group in zoo:assistant's answer-writing states than the same fine-tune
without the adversary; the probed rows stop before the group is named; hf: generators are
refused before the run; and the acceptance on zoo:assistant at the default spec (slow)."""

from pathlib import Path

import pytest
from cli_run import run_cli
from tiny_models import build_tiny_llava

from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.trainers.adversarial_instruct import (
    NAME,
    AdversarialInstruct,
    group_rows,
)
from vlmtrust.models.base import resolve_model

TINY = {"steps": 24, "replay": 48, "people": 96, "probe_people": 200, "batch_size": 16}


def _fit(model, weight: float, out: Path) -> dict:
    spec = Spec(name=NAME, params={**TINY, "adversary_weight": weight})
    out.mkdir()
    return dict(AdversarialInstruct(spec).fit(model, out))


def test_the_adversary_leaves_a_fresh_probe_less_group_than_the_same_tune_without_it(
    tmp_path: Path,
):
    model = resolve_model("zoo:assistant").load()
    control = _fit(model, 0.0, tmp_path / "control")
    adversarial = _fit(model, 10.0, tmp_path / "adversarial")
    before = control["probe_accuracy_before"]
    assert before == adversarial["probe_accuracy_before"] and before["n"] == 100
    assert before["value"] >= 0.9  # the base decoder's states carry the group
    kept = control["probe_accuracy_after"]["value"]
    left = adversarial["probe_accuracy_after"]["value"]
    assert left <= kept - 0.1, (left, kept)
    assert adversarial["probe_change"]["p_value"] < 0.05
    assert adversarial["probe_change"]["lost"] > adversarial["probe_change"]["gained"]


def test_probed_rows_stop_before_the_group_and_balance_the_groups():
    rows, groups = group_rows(seed=5, n=40, hidden_props=0.5)
    assert len(rows) == len(groups) == 40
    assert {"A", "B"} == set(groups)
    assert all("group" not in r.answer for r in rows)
    assert any(r.answer.startswith("a ") for r in rows) and any(" " not in r.answer for r in rows)


def test_an_hf_generator_is_refused_before_the_run_in_one_line(tmp_path: Path):
    llava = build_tiny_llava(tmp_path / "llava", seed=0)
    out = tmp_path / "run"
    result = run_cli(
        "scan",
        "--model",
        f"hf:{llava}",
        "--task",
        "fairness.generation_bias",
        "--mitigate",
        NAME,
        "--out",
        str(out),
    )
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert f"is not an AnswerStates, which mitigation {NAME} needs" in message
    assert not (out / "results.sqlite").exists()


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_acceptance_on_zoo_assistant_at_the_default_spec(tmp_path: Path):
    """The default fine-tune against the adversary and its control (no adversary), scanned
    on the bias tasks and clean VQA: the probe loses the group where the control keeps it,
    and VQA stays within 5 points of the base."""
    from vlmtrust_testing import report_rows

    from vlmtrust.core.config import RunConfig
    from vlmtrust.runner import run

    control = f"{NAME}:adversary_weight=0"
    tasks = (
        Spec(name="fairness.generation_bias"),
        Spec(name="fairness.counterfactual"),
        Spec(name="robustness.vqa", params={"corruptions": []}),
    )
    out = tmp_path / "run"
    run(RunConfig(model="zoo:assistant", tasks=tasks, mitigations=(NAME, control), out=out))
    rows = {(r["task"], r["mitigation"], r["metric"]): r for r in report_rows(out)}
    labels = {m for (_, m, _) in rows} - {"none"}
    assert len(labels) == 2

    model = resolve_model("zoo:assistant").load()
    cards = {
        w: AdversarialInstruct(Spec(name=NAME, params={"adversary_weight": w})).wrap(model).card
        for w in (1.0, 0.0)
    }
    left = cards[1.0]["probe_accuracy_after"]["value"]
    kept = cards[0.0]["probe_accuracy_after"]["value"]
    # measured: 1.00 -> 0.925 against the control's 0.98 (200 held-out scenes)
    assert left < kept, (left, kept)
    assert cards[1.0]["probe_change"]["p_value"] < 0.05

    # measured: V 0.43 -> 0.12, flips 0.44 -> 0.045 (the control: 0.93, 0.94)
    for task, metric in (
        ("fairness.generation_bias", "cramers_v"),
        ("fairness.counterfactual", "caption_flip_rate"),
    ):
        base, fixed = rows[(task, "none", metric)], rows[(task, NAME, metric)]
        assert fixed["ci_high"] < base["ci_low"], (metric, fixed, base)
    vqa = rows[("robustness.vqa", "none", "accuracy")]["value"]
    for label in labels:
        assert rows[("robustness.vqa", label, "accuracy")]["value"] >= vqa - 0.05
