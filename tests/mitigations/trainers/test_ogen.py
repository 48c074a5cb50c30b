"""``ogen`` on the real zoo:clip: the feature synthesizer and the class means by hand, the default
unknown names kept apart from every class a task scores, a seeded few-step fit, an ``hf:`` CLIP
from ``train_data``, and a bad label refused before training."""

import pytest
import torch
from vlmtrust_testing import (
    cached_card,
    caption_folder,
    hf_zero_shot,
    run_task_directly,
    scan_trains_once,
)

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.ogen import (
    UNKNOWN_NAMES,
    FeatureSynthesizer,
    class_means,
    held_out_errors,
)
from vlmtrust.models.base import resolve_model


def test_class_means_average_each_class_and_flag_absent_ones():
    features = torch.tensor([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0]])
    means, present = class_means(features, torch.tensor([0, 0, 2]), 3)
    assert torch.allclose(means[0], torch.tensor([2.0, 1.0]))
    assert torch.allclose(means[2], torch.tensor([5.0, 5.0]))
    assert present.tolist() == [True, False, True]


def test_an_unfitted_synthesizer_returns_the_attended_known_feature():
    text = torch.eye(3)
    features = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    synthesizer = FeatureSynthesizer(3, 2, temperature=0.01)
    assert torch.allclose(synthesizer(text[1:2], text, features), features[1:2], atol=1e-4)
    # barred from itself, class 1 attends to the other two equally: their mean
    allowed = torch.tensor([[True, False, True]])
    made = synthesizer(text[1:2], text, features, allowed)
    assert torch.allclose(made, torch.tensor([[1.5, 1.0]]), atol=1e-4)


def test_the_fitted_offset_predicts_a_class_it_never_saw_better_than_attention():
    """Features that are a linear function of the text: pure attention can only return a mix
    of known features, the fitted offset extrapolates to a held-out class."""
    generator = torch.Generator().manual_seed(0)
    text = torch.nn.functional.normalize(torch.randn(10, 6, generator=generator), dim=-1)
    features = text @ torch.randn(6, 4, generator=generator)
    errors = held_out_errors(text, features, ridge=1e-3, temperature=0.05)
    fitted, plain = (
        errors["synth_held_out_error_fitted"],
        errors["synth_held_out_error_attention_only"],
    )
    assert fitted < 0.5 * plain


def test_the_default_unknown_names_are_no_class_a_task_scores():
    scored = {*world.SHAPES, *world.OOD_SHAPES, *world.COLOURS, *world.BACKGROUNDS}
    assert not scored & set(UNKNOWN_NAMES)


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


def test_a_few_step_fit_reports_its_data_and_synthesizer(clip):
    spec = Spec(name="ogen", params={"steps": 3, "objects": 40, "people": 8, "synth_ridge": 0.1})
    card = build_mitigation(spec).wrap(clip).card
    assert card["replay_scenes"] == 48 and card["labelled_images"] == 40
    assert card["unknown_classes"] == list(UNKNOWN_NAMES) and card["final_class_loss"] > 0
    assert card["synth_fit_error"] < card["synth_held_out_error_attention_only"]


def test_a_label_the_world_has_no_classes_for_is_refused():
    spec = Spec(name="ogen", params={"label": "mood", "steps": 1, "objects": 4, "people": 0})
    with pytest.raises(ConfigError, match="no class list for label 'mood'"):
        build_mitigation(spec).wrap(resolve_model("zoo:clip").load())


def test_ogen_trains_an_hf_clip_from_train_data_once(tmp_path, tiny_clip, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    scenes = world.generate(33, 12, family="objects")
    caption_folder(tmp_path / "train", scenes, columns={"shape": lambda i, s: s.labels["shape"]})
    mitigation = 'ogen:train_data="train",steps=2,batch_size=4,per_unknown=2'
    rows = scan_trains_once(hf_zero_shot(tiny_clip, tmp_path, mitigation), capsys)
    assert {r.mitigation.split("(")[0] for r in rows} == {"none", "ogen"}
    card = cached_card(f"hf:{tiny_clip}", mitigation)
    assert card["train_rows"] == 12 and card["labelled_images"] == 12


def _rows(task, model, params):
    return {r.metric: r for r in run_task_directly(task, model, params)}


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_synthesized_unknowns_lift_ood_detection_over_the_same_fine_tune_without_them(clip):
    """The default spec against its ablation (``unknown=[]``: same data, steps and seed, the
    class term over the known classes only): the synthesized negatives are what moves MSP and
    MCM, with the intervals apart, at no in-distribution accuracy cost."""
    tuned = build_mitigation(Spec(name="ogen")).wrap(clip)
    ablated = build_mitigation(Spec(name="ogen", params={"unknown": []})).wrap(clip)
    params = {"resamples": 200}
    with_unknowns = _rows("robustness.ood", tuned, params)
    without = _rows("robustness.ood", ablated, params)
    base = _rows("robustness.ood", clip, params)
    for row in ("auroc_msp", "auroc_mcm"):
        assert with_unknowns[row].ci_low > without[row].ci_high, row
        assert with_unknowns[row].ci_low > base[row].ci_high, row
    calibration = _rows("robustness.calibration", tuned, params)
    base_calibration = _rows("robustness.calibration", clip, params)
    assert calibration["accuracy_in"].value >= base_calibration["accuracy_in"].value - 0.02
