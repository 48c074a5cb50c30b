"""``biaug`` on the real zoo:clip: the scene swaps by hand, then one fine-tune per session
(default spec) judged by attribute binding, clean accuracy and a calibration scan."""

import numpy as np
import pytest
from vlmtrust_testing import run_task_directly

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.biaug import hard_negatives, object_caption, swap
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

BINDING = "robustness.attribute_binding"


def test_a_swap_changes_one_attribute_and_keeps_the_layout():
    rng = np.random.default_rng(0)
    scene = world.scene_for(5, 0, "objects").replace(
        shape="circle", colour="red", text=None, text_colour=None, text_xy=None
    )
    shape = swap(scene, "shape", rng)
    colour = swap(scene, "colour", rng)
    assert shape.shape != "circle" and shape.colour == "red"
    assert colour.colour != "red" and colour.shape == "circle"
    assert shape.positions == colour.positions == scene.positions
    assert object_caption(shape) != object_caption(scene)
    with pytest.raises(ValueError, match="object scenes"):
        swap(world.scene_for(5, 0, "people"), "shape", rng)


def test_the_shape_swap_of_a_written_scene_is_the_written_shape():
    rng = np.random.default_rng(0)
    written = next(
        s
        for i in range(200)
        if (s := world.scene_for(5, i, "objects", text_prob=1.0)).text != s.shape
    )
    swapped = swap(written, "shape", rng)
    assert swapped.shape == written.text
    assert swapped.text == written.text  # the word stays; only the drawn shape changes
    assert "written" not in object_caption(written)  # hard negatives compare what is drawn
    colour = swap(written, "colour", rng)
    assert colour.colour not in (written.colour, written.text_colour)
    objects, negatives = hard_negatives([written, world.scene_for(5, 0, "people")], seed=1)
    assert objects == [written] and len(negatives[0]) == 2


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def tuned(clip):
    return build_mitigation(Spec(name="biaug")).wrap(clip)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_biaug_binds_the_drawn_shape_over_the_written_one(clip, tuned):
    base = {r.metric: r for r in run_task_directly(BINDING, clip)}
    after = {r.metric: r for r in run_task_directly(BINDING, tuned)}
    assert after["written_shape_accuracy"].value >= base["written_shape_accuracy"].value + 0.08
    assert after["binding_accuracy"].value >= base["binding_accuracy"].value + 0.03
    assert after["colour_swap_accuracy"].value >= base["colour_swap_accuracy"].value - 0.02
    params = {"n": 200, "corruptions": []}
    clean = run_task_directly("robustness.zero_shot", clip, params)[0]
    clean_after = run_task_directly("robustness.zero_shot", tuned, params)[0]
    assert clean.metric == clean_after.metric == "accuracy"
    assert clean.value - clean_after.value <= 0.03
    assert tuned.card["hard_negative_images"] == 2 * tuned.card["object_scenes"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_calibration_scan_reports_ece_in_and_out_for_biaug(tmp_path, tuned):
    task = Spec(name="robustness.calibration", params={"n_in": 60, "n_out": 30, "resamples": 100})
    config = RunConfig(
        model="zoo:clip", tasks=(task,), mitigations=("biaug",), out=tmp_path, show_progress=False
    )
    rows = {(r.mitigation, r.metric): r for r in run(config).metrics}
    for variant in ("none", "biaug"):
        for metric in ("ece_in", "ece_out"):
            assert rows[(variant, metric)].value is not None
            assert rows[(variant, metric)].n > 0
    assert rows[("biaug", "accuracy_in")].value >= rows[("none", "accuracy_in")].value - 0.05
