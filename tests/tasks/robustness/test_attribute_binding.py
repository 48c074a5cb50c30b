"""``robustness.attribute_binding`` on the real zoo:clip: colour swaps are easy for it, drawn vs
written shape is not, and non-world samples are unscorable rather than guessed."""

import pytest
from vlmtrust_testing import run_task_directly

from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.base import build_task

TASK = "robustness.attribute_binding"


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


def test_binding_rows_on_zoo_clip(clip):
    rows = {r.metric: r for r in run_task_directly(TASK, clip, {"n": 120})}
    assert set(rows) == {
        "binding_accuracy",
        "shape_swap_accuracy",
        "colour_swap_accuracy",
        "written_shape_accuracy",
    }
    assert rows["binding_accuracy"].n == rows["colour_swap_accuracy"].n == 120
    assert 0 < rows["written_shape_accuracy"].n < 120  # only scenes whose word names a shape
    assert rows["colour_swap_accuracy"].value >= 0.95
    # the written word pulls: drawn vs written shape is the hard case
    assert rows["written_shape_accuracy"].value < rows["colour_swap_accuracy"].value
    assert rows["binding_accuracy"].value <= rows["shape_swap_accuracy"].value


def test_a_sample_that_is_not_a_world_scene_is_unscorable(clip):
    task = build_task(Spec(name=TASK, params={"n": 2}))
    mine = world.generate(0, 1, "objects")[0]
    foreign = Sample(id="user-1", image=mine.image, labels={"shape": "circle"}, source="upload")
    scores = task.score(clip, [foreign, mine])
    assert len(scores[0]) == 4
    assert all(s.unscorable and s.reason == "not a world object scene" for s in scores[0])
    assert not any(s.unscorable for s in scores[1])
