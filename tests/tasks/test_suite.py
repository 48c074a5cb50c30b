"""A pillar expands to the tasks the model can run; explicit task names must be runnable."""

import pytest
from benchmark_trees_coco import coco_tree

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import CapabilityError, RegistryError
from vlmtrust.core.spec import Spec
from vlmtrust.data.sources import open_source
from vlmtrust.runner import run
from vlmtrust.tasks.base import build_task
from vlmtrust.tasks.suite import (
    by_attribute,
    fit_to_data,
    missing_label,
    per_group_attribute,
    suite_specs,
    with_class_label,
)

CLIP = frozenset({"Embedder", "Classifier", "Differentiable"})


def test_pillar_keeps_what_the_model_can_run_and_says_what_it_skipped():
    specs, skipped = suite_specs(["robustness"], CLIP)
    names = {s.name for s in specs}
    assert {"robustness.zero_shot", "robustness.adversarial", "robustness.ood"} <= names
    assert "robustness.vqa" not in names
    assert any(s.startswith("robustness.vqa (needs Generator)") for s in skipped)
    generator_only, skipped = suite_specs(["robustness"], frozenset({"Generator"}))
    assert {s.name for s in generator_only} == {"robustness.vqa", "robustness.typographic_vqa"}
    assert any(s.startswith("robustness.caption_target (needs Differentiable)") for s in skipped)


def test_unknown_names_fail_with_a_suggestion():
    with pytest.raises(RegistryError, match=r"did you mean robustness\.zero_shot"):
        suite_specs(["robustness.zero_shoot"], CLIP)


def test_suite_scan_on_a_generator_and_an_explicit_task_it_cannot_run(tmp_path):
    config = RunConfig(
        model="zoo:assistant",
        suite=("robustness",),
        tasks=(Spec(name="robustness.vqa", params={"n": 2, "corruptions": []}),),
        out=tmp_path / "ok",
        limit=2,
        show_progress=False,
    )
    summary = run(config)
    assert {r.task for r in summary.metrics} == {
        "robustness.vqa",
        "robustness.typographic_vqa",
        "robustness.caption_target",
    }
    explicit = config.model_copy(
        update={"suite": ("robustness.zero_shot",), "out": tmp_path / "refused"}
    )
    with pytest.raises(CapabilityError, match="not a Classifier"):
        run(explicit)
    assert not (tmp_path / "refused").exists()


FACES = {"race": ("White", "Black", "Asian"), "gender": ("male", "female")}


def test_a_group_comparing_task_runs_once_per_attribute_of_the_data():
    fitted = per_group_attribute(Spec(name="fairness.retrieval_skew"), FACES, ("gender",))
    assert [(s.params, label) for s, label in fitted] == [
        ({"group": "race"}, "fairness.retrieval_skew-by-race"),
        ({"group": "gender"}, "fairness.retrieval_skew-by-gender"),
    ]  # its classes are fixed (occupations), so its label stays


def test_a_task_taking_classes_from_the_data_predicts_a_label_other_than_the_group():
    fitted = per_group_attribute(Spec(name="fairness.group_performance"), FACES, ("gender", "race"))
    assert [s.params for s, _ in fitted] == [
        {"group": "race", "label": "gender"},
        {"group": "gender", "label": "race"},
    ]


def test_a_two_group_task_runs_only_on_two_valued_attributes():
    fitted = per_group_attribute(Spec(name="fairness.embedding_association"), FACES, ())
    assert [(s.params, label) for s, label in fitted] == [
        (
            {"group": "gender", "groups": ["male", "female"]},
            "fairness.embedding_association-by-gender",
        )
    ]


def test_tasks_without_a_group_or_given_one_or_data_without_attributes_run_as_they_are():
    for spec, attributes in [
        (Spec(name="fairness.prompt_bias"), FACES),
        (Spec(name="fairness.retrieval_skew", params={"group": "race"}), FACES),
        (Spec(name="fairness.retrieval_skew"), {}),
    ]:
        assert per_group_attribute(spec, attributes, ()) == [(spec, spec.name)]


def test_row_names_per_attribute_stay_one_gate_readable_word():
    assert by_attribute("fairness.x", "skin tone/2") == "fairness.x-by-skin_tone_2"


def test_a_source_naming_a_class_label_is_what_data_driven_tasks_predict(tmp_path):
    """An OOD pair's ``class``, unless the spec sets its label or classes; sources without a
    class label (the world) or with group attributes (see above) leave the spec as it is."""
    from benchmark_trees_ood import flat_folder, imagenet_folder

    val = imagenet_folder(tmp_path / "imagenet", per_class=1)
    pair = open_source(f"ood_pair:{val}::{flat_folder(tmp_path / 'ood', 1)}")
    assert with_class_label(Spec(name="robustness.ood"), pair).params == {"label": "class"}
    for spec in (
        Spec(name="robustness.ood", params={"label": "wnid"}),
        Spec(name="robustness.zero_shot", params={"classes": ["tench"]}),
        Spec(name="robustness.modality_gap"),  # takes no label
    ):
        assert with_class_label(spec, pair) == spec
    assert with_class_label(Spec(name="robustness.ood"), open_source(None)).params == {}


def test_a_suite_task_predicting_a_label_the_data_does_not_carry_is_left_out(tmp_path):
    """A caption set says which labels it carries; a source that does not say (the world)
    keeps every task."""
    source = open_source(f"coco_captions:{coco_tree(tmp_path, per_split={'train': 1, 'val': 1})}")
    zero_shot, gap = Spec(name="robustness.zero_shot"), Spec(name="robustness.modality_gap")
    assert missing_label(zero_shot, source) == "shape"
    by_split = Spec(name="robustness.zero_shot", params={"label": "split"})
    assert missing_label(by_split, source) is None
    assert missing_label(gap, source) is None
    assert missing_label(zero_shot, open_source(None)) is None
    built = [(spec, build_task(spec)) for spec in (zero_shot, gap)]
    tasks, left_out = fit_to_data(built, set(), source)
    assert [t.spec.name for t in tasks] == ["robustness.modality_gap"]
    assert all(t.optional for t in tasks)
    assert left_out == ["robustness.zero_shot (the coco_captions data has no 'shape' label)"]
    named, none_left = fit_to_data(built[:1], {zero_shot.canonical()}, source)
    assert [t.spec.name for t in named] == ["robustness.zero_shot"] and none_left == []
    assert not named[0].optional


def test_one_task_twice_with_different_parameters_keeps_both_rows(tmp_path):
    """Two runs of one task in one scan get row names that tell them apart, so the store keeps
    both (its row key is task, attack, mitigation, metric); a task named once keeps its name."""
    config = RunConfig(
        model="zoo:clip",
        tasks=(
            Spec(name="robustness.zero_shot", params={"n": 4, "corruptions": []}),
            Spec(name="robustness.zero_shot", params={"n": 6, "corruptions": []}),
            Spec(name="robustness.calibration", params={"corruptions": []}),
        ),
        out=tmp_path / "twice",
        limit=6,
        show_progress=False,
    )
    rows = run(config).metrics
    accuracy = {r.task: r.n for r in rows if r.metric == "accuracy"}
    assert accuracy == {"robustness.zero_shot(n=4)": 4, "robustness.zero_shot(n=6)": 6}
    assert "robustness.calibration" in {r.task for r in rows}
