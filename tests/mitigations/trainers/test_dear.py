"""``dear`` on the real zoo:clip: the residual trained once per session (default spec, ~20 s),
then judged by the tasks that define its acceptance: retrieval skew at least halves at no more
than 3 points of zero-shot accuracy, and a calibration scan reports ECE in/out for it."""

import numpy as np
import pytest
from vlmtrust_testing import (
    cached_card,
    caption_folder,
    hf_zero_shot,
    run_task_directly,
    scan_trains_once,
)

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import CapabilityError, ConfigError, DataError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

SKEW = "fairness.retrieval_skew"


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def debiased(clip):
    return build_mitigation(Spec(name="dear")).wrap(clip)


def _rows(rows):
    return {r.metric: r for r in rows}


# trains dear with its default spec once for the module: the slow tail (rule 8)
@pytest.mark.slow
def test_dear_halves_retrieval_skew_at_little_accuracy_cost(clip, debiased):
    from vlmtrust.data.world.twins import twin_samples

    twins = twin_samples(0, 500)
    base = _rows(run_task_directly(SKEW, clip, samples=twins))
    after = _rows(run_task_directly(SKEW, debiased, samples=twins, mitigation="dear"))
    assert after["maxskew@10"].value <= base["maxskew@10"].value / 2
    assert base["accuracy"].value - after["accuracy"].value <= 0.03
    assert debiased.card["final_adversary_loss"] > 0.6  # the group probe is near chance (ln 2)


# trains dear with its default spec once for the module: the slow tail (rule 8)
@pytest.mark.slow
def test_residual_reaches_every_image_path(clip, debiased):
    images = [s.load_image() for s in world.generate(5, 6)]
    labels = [f"a photo of a {s}." for s in world.SHAPES]
    embedded = debiased.encode_image(images)
    assert np.allclose(np.linalg.norm(embedded, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(embedded, clip.encode_image(images), atol=1e-3)
    expected = float(clip.scale) * embedded @ clip.encode_text(labels).T
    assert np.allclose(debiased.classify(images, labels), expected, atol=1e-4)
    # zero-shot shapes survive: same argmax on (almost) every object scene
    agree = debiased.classify(images, labels).argmax(1) == clip.classify(images, labels).argmax(1)
    assert agree.mean() >= 5 / 6


def test_dear_refuses_a_model_it_cannot_train():
    with pytest.raises(CapabilityError, match="zoo:assistant offers no 'image_tower' to tune"):
        build_mitigation(Spec(name="dear")).check_model(resolve_model("zoo:assistant"))


# trains dear with its default spec once for the module: the slow tail (rule 8)
@pytest.mark.slow
def test_calibration_scan_reports_ece_in_and_out_for_dear(tmp_path, debiased):
    task = Spec(name="robustness.calibration", params={"n_in": 60, "n_out": 30, "resamples": 100})
    config = RunConfig(
        model="zoo:clip", tasks=(task,), mitigations=("dear",), out=tmp_path, show_progress=False
    )
    rows = {(r.mitigation, r.metric): r for r in run(config).metrics}
    for variant in ("none", "dear"):
        for metric in ("ece_in", "ece_out"):
            assert rows[(variant, metric)].value is not None
            assert rows[(variant, metric)].n > 0
    assert rows[("dear", "accuracy_in")].value >= rows[("none", "accuracy_in")].value - 0.05


def test_an_untrained_residual_is_the_base_model(clip):
    from vlmtrust.mitigations.trainers.dear import ResidualClip, residual_mlp

    same = ResidualClip(clip, residual_mlp(384, 8), card={})
    images = [s.load_image() for s in world.generate(6, 3)]
    assert np.allclose(same.encode_image(images), clip.encode_image(images), atol=1e-6)
    before = clip.calls
    same.classify(images, ["a photo of a circle."])
    assert same.calls == clip.calls == before + 1  # counted once, on the inner model


def test_dear_trains_on_an_hf_clip_from_train_data_once(tmp_path, tiny_clip, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    people = world.generate(21, 16, family="people")
    caption_folder(tmp_path / "train", people, columns={"group": lambda i, s: s.labels["group"]})
    mitigation = 'dear:train_data="train",steps=4,batch_size=8'
    rows = scan_trains_once(hf_zero_shot(tiny_clip, tmp_path, mitigation), capsys)
    assert {r.mitigation.split("(")[0] for r in rows} == {"none", "dear"}
    card = cached_card(f"hf:{tiny_clip}", mitigation)
    assert card["train_rows"] == 16 and card["twins"] == 0


def test_dear_on_an_hf_clip_needs_rows_of_two_groups(tmp_path, tiny_clip, monkeypatch):
    monkeypatch.chdir(tmp_path)
    handle = resolve_model(f"hf:{tiny_clip}")
    with pytest.raises(ConfigError, match="dear:train_data=PATH"):
        build_mitigation(Spec(name="dear")).check_model(handle)
    people = world.generate(21, 4, family="people")
    caption_folder(tmp_path / "one", people, columns={"group": lambda i, s: "A"})
    one_group = Spec(name="dear", params={"train_data": "one"})
    with pytest.raises(DataError, match="at least two groups"):
        build_mitigation(one_group).check_model(handle)
