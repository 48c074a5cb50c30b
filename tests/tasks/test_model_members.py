"""``Task.model_members`` (and ``Attack.model_members``) must name every model member a task's
scoring and its attacks touch: the runner leaves a task out of a mitigation whose changed
members miss them, so a member used but not declared would hide a real effect. Each task runs
one unit the way the executor does, on a real zoo model behind a proxy that records every
public attribute read (``hasattr`` and ``isinstance`` probes included)."""

from __future__ import annotations

from typing import Any

import pytest

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.spec import Spec
from vlmtrust.demo import DEMO_SCANS
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import DataContext, build_task


class Recording:
    """A real model that records the name of every public attribute read on it."""

    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_read", set())

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_"):
            self._read.add(name)
        return getattr(self._inner, name)


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    return {name: resolve_model(name).load() for name in ("zoo:clip", "zoo:assistant")}


DEMO = [(model, t.name) for model, tasks, _, _ in DEMO_SCANS for t in tasks]
#: parameters that keep a unit small without changing which members it calls
SMALL = {
    "privacy.memorization": {"candidates": 10},
    "privacy.gradient_inversion": {"n": 1, "steps": 2},
    "privacy.membership": {"n": 10, "shadows": 1},
    "robustness.backdoor_scan": {"n_images": 2, "steps": 2},
    "robustness.caption_backdoor_scan": {"n_images": 2, "n_verify": 1, "steps": 2},
    "robustness.caption_target": {"n": 2, "steps": 2, "budgets": [0.01]},
    "safety.red_team": {"budget": 2},
    "safety.multi_turn": {"budget": 2, "streams": 1, "iterations": 2},
}
#: the other tasks cheap at a tiny limit; the rest (shadow models, gradient searches,
#: judges loaded only for them) under the slow mark
OTHERS = [
    ("zoo:clip", "fairness.counterfactual"),
    ("zoo:clip", "fairness.dataset_audit"),
    ("zoo:clip", "fairness.embedding_association"),
    ("zoo:clip", "fairness.group_performance"),
    ("zoo:clip", "fairness.prompt_bias"),
    ("zoo:clip", "robustness.attribute_binding"),
    ("zoo:clip", "robustness.backdoor_trigger"),
    ("zoo:clip", "robustness.embedding_attack"),
    ("zoo:clip", "robustness.modality_gap"),
    ("zoo:clip", "robustness.typographic"),
    ("zoo:clip", "privacy.gradient_inversion"),
    ("zoo:clip", "safety.nsfw_input"),
    ("zoo:clip", "robustness.backdoor_scan"),
    ("zoo:assistant", "robustness.caption_backdoor_scan"),
    ("zoo:assistant", "fairness.generation_bias"),
    ("zoo:assistant", "robustness.typographic_vqa"),
    ("zoo:assistant", "safety.multi_turn"),
]
SLOW = [
    ("zoo:clip", "robustness.adversarial"),
    ("zoo:clip", "privacy.membership"),
    ("zoo:assistant", "robustness.caption_target"),
    ("zoo:assistant", "safety.red_team"),
    ("zoo:assistant", "privacy.pii_leakage"),
    ("zoo:assistant", "safety.over_refusal"),
]


def _run_unit(model: Any, name: str) -> None:
    """One unit of every condition, as ``runner.executor.execute_unit`` runs it."""
    task = build_task(Spec(name=name, params=SMALL.get(name, {})))
    every = task.samples(DataContext(limit=2))
    resolved = task.resolve(every)
    # the first and the last: tasks list their kinds of sample in turn (in, then out of
    # distribution; extraction prompts, then exposure canaries), and which members a kind
    # reads does not depend on how many of it there are
    samples = every[:1] + every[1:][-1:]
    for attack in [build_attack(spec) for spec in resolved.conditions()]:
        proxy = Recording(model)
        attacked = attack.apply_batch(samples, proxy)
        assert proxy._read <= attack.model_members(), (attack.spec.name, proxy._read)
        proxy = Recording(model)
        resolved.score(proxy, attacked)
        undeclared = proxy._read - resolved.model_members()
        assert not undeclared, f"{name} reads {sorted(undeclared)}: add them to its hooks"


@pytest.mark.parametrize(
    ("model", "task"),
    [*DEMO, *OTHERS, *(pytest.param(*p, marks=pytest.mark.slow) for p in SLOW)],
)
def test_a_task_reads_only_the_members_it_declares(models, model, task):
    _run_unit(models[model], task)


def test_the_recording_sees_probes():
    """A hasattr probe the task never declared is caught (the check can fail)."""
    proxy = Recording(object())
    assert not hasattr(proxy, "predict_groups")
    assert proxy._read == {"predict_groups"}


def test_members_come_from_the_capabilities_and_hooks():
    calibration = build_task(Spec(name="robustness.calibration"))
    assert calibration.model_members() == {"classify"}
    ood = build_task(Spec(name="robustness.ood"))
    assert ood.model_members() == {"classify", "encode_image", "encode_text"}
    skew = build_task(Spec(name="fairness.retrieval_skew"))
    assert skew.model_members() == {"encode_image", "encode_text", "predict_groups"}
    assert build_attack(Spec(name="pgd")).model_members() == {"to_pixels", "pixel_logits"}
    assert build_attack(Spec(name="none")).model_members() == frozenset()
