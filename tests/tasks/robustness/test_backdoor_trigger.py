"""robustness.backdoor_trigger on zoo:clip: the planted patch sends clean scenes to the target."""

from __future__ import annotations

from vlmtrust_testing import run_task_directly

from vlmtrust.models.base import resolve_model


def test_planted_trigger_succeeds_on_zoo_clip_and_clean_scenes_stay_right() -> None:
    model = resolve_model("zoo:clip").load()
    rows = run_task_directly("robustness.backdoor_trigger", model, {"n": 40})
    by = {(r.attack, r.metric): r for r in rows}
    success = by[("trigger", "attack_success")]
    assert success.n == 40
    assert success.value is not None and success.value >= 0.9
    assert success.ci_low is not None and success.ci_low <= success.value <= success.ci_high
    assert by[("none", "accuracy")].value >= 0.9  # clean scenes are not sent to the target
    assert ("none", "attack_success") not in by  # no trigger, no trigger success


def test_a_patch_that_is_not_the_trigger_does_not_succeed(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    from PIL import Image

    patch = tmp_path / "grey.png"
    Image.new("RGB", (12, 12), (128, 128, 128)).save(patch)
    model = resolve_model("zoo:clip").load()
    rows = run_task_directly("robustness.backdoor_trigger", model, {"n": 40, "patch": str(patch)})
    success = next(r for r in rows if r.metric == "attack_success")
    assert success.value is not None and success.value <= 0.1
