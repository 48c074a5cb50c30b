"""Temperature scaling as a wrapper on the real zoo:clip, and the --mitigate flow around it."""

import numpy as np
import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import CapabilityError, RegistryError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation, variant_label
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

TASK = Spec(name="robustness.zero_shot", params={"n": 30, "corruptions": ["contrast"]})


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


def test_wrapper_rescales_logits_and_keeps_predictions(clip):
    wrapped = build_mitigation(Spec(name="temperature_scaling", params={"n": 40})).wrap(clip)
    images = [s.load_image() for s in world.generate(5, 12)]
    labels = [f"a photo of a {s}." for s in world.SHAPES]
    raw, scaled = clip.classify(images, labels), wrapped.classify(images, labels)
    assert np.allclose(scaled, raw / wrapped.temperature)
    assert (scaled.argmax(1) == raw.argmax(1)).all()
    assert wrapped.temperature != 1.0
    assert wrapped.calls == clip.calls  # the wrapper reports the inner model's calls


def test_scan_measures_baseline_and_variant_on_the_same_samples(tmp_path):
    config = RunConfig(
        model="zoo:clip",
        tasks=(TASK,),
        mitigations=("temperature_scaling",),
        out=tmp_path,
        show_progress=False,
    )
    first = run(config)
    assert first.planned == 2 * 2 * 30  # two variants x two conditions x 30 samples
    rows = {(r.mitigation, r.attack, r.metric): r for r in first.metrics}
    base = rows[("none", "none", "accuracy")]
    scaled = rows[("temperature_scaling", "none", "accuracy")]
    assert (base.value, base.n) == (scaled.value, scaled.n)  # same samples, same predictions
    again = run(config)
    assert again.executed == 0 and again.model_calls == 0


def test_variant_labels_show_only_changed_parameters():
    assert variant_label(()) == "none"
    default = build_mitigation(Spec(name="temperature_scaling")).spec
    changed = build_mitigation(Spec(name="temperature_scaling", params={"n": 50})).spec
    assert variant_label((default,)) == "temperature_scaling"
    assert variant_label((default, changed)) == "temperature_scaling+temperature_scaling(n=50)"


def test_mitigation_needs_its_capability_and_a_real_name(tmp_path):
    vqa = Spec(name="robustness.vqa", params={"n": 2, "corruptions": []})
    config = RunConfig(
        model="zoo:assistant",
        tasks=(vqa,),
        mitigations=("temperature_scaling",),
        out=tmp_path / "a",
        show_progress=False,
    )
    with pytest.raises(CapabilityError, match="mitigation temperature_scaling"):
        run(config)
    with pytest.raises(RegistryError, match="did you mean temperature_scaling"):
        run(config.model_copy(update={"mitigations": ("temperature_scalin",)}))
    assert not (tmp_path / "a").exists()


def test_temperature_scaling_at_least_halves_in_distribution_ece(tmp_path):
    task = Spec(name="robustness.calibration", params={"n_in": 100, "n_out": 40, "resamples": 200})
    config = RunConfig(
        model="zoo:clip",
        tasks=(task,),
        mitigations=("temperature_scaling",),
        out=tmp_path,
        show_progress=False,
    )
    rows = {(r.mitigation, r.metric): r for r in run(config).metrics}
    before, after = rows[("none", "ece_in")], rows[("temperature_scaling", "ece_in")]
    assert after.value <= before.value / 2
    assert rows[("none", "accuracy_in")].value == rows[("temperature_scaling", "accuracy_in")].value
    # fitted on in-distribution data only, it does not fix the over-confidence out of it
    assert rows[("temperature_scaling", "ece_out")].value >= rows[("none", "ece_out")].value
