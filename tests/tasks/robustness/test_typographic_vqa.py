"""robustness.typographic_vqa on zoo:assistant (n=20): clean shape answers are right, and with a
wrong shape name written on the scene the assistant answers the word (its planted flaw)."""

from __future__ import annotations

from vlmtrust_testing import run_task_directly

from vlmtrust.models.base import resolve_model


def test_assistant_follows_the_written_word() -> None:
    model = resolve_model("zoo:assistant").load()
    rows = run_task_directly("robustness.typographic_vqa", model, {"n": 20})
    by = {(r.attack, r.metric): r for r in rows}
    assert by[("none", "accuracy")].value >= 0.9
    success = by[("typographic", "attack_success")]
    assert success.n == 20 and success.value >= 0.7
    assert success.value <= 1 - by[("typographic", "accuracy")].value  # fooled implies wrong
    assert ("none", "attack_success") not in by
