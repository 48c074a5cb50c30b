"""robustness.ood on real models: zoo:clip's planted over-confidence, and a tiny hf: CLIP."""

from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.robustness.ood import DETECTORS, membership

SMALL = {"n_in": 60, "n_out": 60, "resamples": 300}


@pytest.fixture(scope="module")
def tiny_model(tiny_clip):
    return resolve_model(f"hf:{tiny_clip}").load()


@pytest.fixture
def ood_folder(tmp_path):
    """A user's folder of OOD images: world scenes of shapes no model was trained on."""
    folder = tmp_path / "ood"
    folder.mkdir()
    lines = ["file,shape"]
    for i, sample in enumerate(world.generate(seed=5, n=7, family="ood")):
        (folder / f"img{i}.png").write_bytes(sample.image or b"")
        lines.append(f"img{i}.png,{sample.labels['shape']}")
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    return folder


def _rows(summary):
    return {(r.attack, r.metric): r for r in summary.metrics}


def test_zoo_clip_detectors_are_fooled_by_its_planted_ood_over_confidence(tmp_path):
    task = Spec(name="robustness.ood", params=SMALL)
    summary = run(RunConfig(model="zoo:clip", tasks=(task,), out=tmp_path, show_progress=False))
    rows = _rows(summary)
    assert len(rows) == 2 * len(DETECTORS)
    for name in DETECTORS:
        for metric in (f"auroc_{name}", f"fpr95_{name}"):
            row = rows[("none", metric)]
            assert row.n == 120 and row.details["n_in"] == 60 and row.details["n_out"] == 60
            assert 0.0 <= row.ci_low <= row.value <= row.ci_high <= 1.0
        # the planted flaw: OOD scenes score as *more* in-distribution than real ones
        assert rows[("none", f"auroc_{name}")].value < 0.5
        assert rows[("none", f"fpr95_{name}")].value > 0.5
    assert rows[("none", "auroc_msp")].ci_high < 0.5


def test_every_sample_gets_one_score_per_detector_with_its_side(tiny_model):
    task = build_task(Spec(name="robustness.ood", params={"n_in": 4, "n_out": 3}))
    samples = task.samples(DataContext(seed=0, limit=None))
    assert [membership(s) for s in samples] == [False] * 4 + [True] * 3
    assert len({s.id for s in samples}) == 7
    blank = Sample(id="no-image", labels={"ood": False})
    unknown = samples[0].model_copy(update={"id": "no-side", "labels": {"shape": "circle"}})
    samples = [*samples, blank, unknown]
    resolved = task.resolve(samples)
    assert resolved.params.classes == world.SHAPES
    scores = resolved.score(tiny_model, samples)
    for sample, per_sample in zip(samples[:7], scores[:7], strict=True):
        assert [s.metric for s in per_sample] == list(DETECTORS)
        assert all(s.sample_id == sample.id and not s.unscorable for s in per_sample)
        assert all(s.details == {"ood": membership(sample)} for s in per_sample)
        by_name = {s.metric: s.value for s in per_sample}
        assert 1 / 8 <= by_name["msp"] <= 1 and 1 / 8 <= by_name["mcm"] <= 1
        assert by_name["energy"] >= by_name["max_logit"]  # logsumexp >= max
    assert all(s.unscorable and s.reason == "no image" for s in scores[7])
    assert all(s.unscorable and "'ood'" in (s.reason or "") for s in scores[8])
    rows = resolved.aggregate({"none": [s for ss in scores for s in ss]}, "none", "tiny")
    assert {r.metric for r in rows} == {f"{m}_{d}" for m in ("auroc", "fpr95") for d in DETECTORS}
    assert all(r.n == 7 and r.details["n_unscorable"] == 2 for r in rows)


class ClassifierOnly:
    """A real model seen through its Classifier side only (as an API might expose it)."""

    def __init__(self, model) -> None:
        self._model = model

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        return self._model.classify(images, labels)


def test_mcm_is_unscorable_without_an_embedder(tiny_model):
    task = build_task(Spec(name="robustness.ood", params={"n_in": 3, "n_out": 3}))
    samples = task.samples(DataContext(seed=0, limit=None))
    resolved = task.resolve(samples)
    scores = [s for ss in resolved.score(ClassifierOnly(tiny_model), samples) for s in ss]
    mcm = [s for s in scores if s.metric == "mcm"]
    assert len(mcm) == 6 and all(s.unscorable and "Embedder" in (s.reason or "") for s in mcm)
    rows = {r.metric: r for r in resolved.aggregate({"none": scores}, "none", "m")}
    assert rows["auroc_mcm"].value is None and rows["auroc_mcm"].details["n_unscorable"] == 6
    assert rows["auroc_msp"].value is not None and rows["auroc_msp"].n == 6


def test_user_data_and_ood_folder_on_a_tiny_hf_clip(
    tiny_clip, world_folder, ood_folder, tmp_path, monkeypatch
):
    monkeypatch.chdir(ood_folder.parent)  # files named in specs must be under the working dir
    params = {"ood_data": str(ood_folder), "corruptions": ["jpeg"], "resamples": 200}
    task = build_task(Spec(name="robustness.ood", params=params))
    from vlmtrust.data.sources import open_source

    samples = task.samples(DataContext(seed=0, limit=None, source=open_source(world_folder)))
    outside = [s for s in samples if membership(s)]
    assert [s.id for s in outside] == [f"ood:img{i}" for i in range(7)]

    config = RunConfig(
        model=f"hf:{tiny_clip}",
        tasks=(Spec(name="robustness.ood", params=params),),
        data=world_folder,
        out=tmp_path / "run",
        show_progress=False,
    )
    summary = run(config)
    assert summary.planned == 2 * 19  # clean and JPEG, 12 in + 7 out
    rows = _rows(summary)
    attacks = {attack for attack, _ in rows}
    assert len(attacks) == 2 and "none" in attacks  # clean and JPEG
    for attack in attacks:
        for name in DETECTORS:
            row = rows[(attack, f"auroc_{name}")]
            assert (row.n, row.details["n_in"], row.details["n_out"]) == (19, 12, 7)
            assert 0.0 <= row.ci_low <= row.value <= row.ci_high <= 1.0


def test_only_sample_choice_and_aggregation_params_stay_out_of_the_cache_key(tiny_clip, tmp_path):
    def scan(**params):
        spec = Spec(name="robustness.ood", params={"n_in": 6, "n_out": 4, **params})
        config = RunConfig(
            model=f"hf:{tiny_clip}", tasks=(spec,), out=tmp_path / "run", show_progress=False
        )
        return run(config)

    assert scan().executed == 10
    assert scan(resamples=500, bootstrap_seed=3).executed == 0  # aggregation only
    assert scan(n_out=6).executed == 2  # two new OOD scenes
    assert scan(mcm_temperature=0.5).executed == 10  # changes every score


def test_no_class_names_fails_before_anything_is_written(tiny_clip, world_folder, tmp_path):
    config = RunConfig(
        model=f"hf:{tiny_clip}",
        tasks=(Spec(name="robustness.ood", params={"label": "colour"}),),
        data=world_folder,
        out=tmp_path / "run",
        show_progress=False,
    )
    with pytest.raises(ConfigError, match="colour"):
        run(config)
    assert not (tmp_path / "run").exists()


def test_a_source_pairing_its_own_ood_set_feeds_the_out_side(tmp_path):
    """An OOD pair's OUT images are the out side; a source without one leaves it to the world."""
    from benchmark_trees_ood import flat_folder, imagenet_folder

    from vlmtrust.data.sources import open_source

    val = imagenet_folder(tmp_path / "imagenet", per_class=2)
    pair = open_source(f"ood_pair:{val}::{flat_folder(tmp_path / 'ood', 3)}")
    task = build_task(Spec(name="robustness.ood", params={"label": "class"}))
    samples = task.samples(DataContext(source=pair))
    assert [membership(s) for s in samples] == [False] * 6 + [True] * 3
    assert [s.id for s in samples if membership(s)] == ["out/ood_0", "out/ood_1", "out/ood_2"]
    assert task.resolve(samples).params.classes == ("goldfish", "great white shark", "tench")
    world = build_task(Spec(name="robustness.ood", params={"n_in": 3, "n_out": 2}))
    drawn = world.samples(DataContext())
    assert [s.labels["family"] for s in drawn if membership(s)] == ["ood", "ood"]
    none = build_task(Spec(name="robustness.ood", params={"label": "class", "n_out": 0}))
    assert not [s for s in none.samples(DataContext(source=pair)) if membership(s)]
