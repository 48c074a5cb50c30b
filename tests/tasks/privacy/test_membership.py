"""privacy.membership: the threshold attack, its low-FPR metrics, and members redrawn from the
organism's recorded pool recipe."""

import json

import numpy as np
import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import DataError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.data.world.pool import draw_pool
from vlmtrust.models.zoo import pool_recipe
from vlmtrust.runner import run
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.privacy.membership import roc_points, tpr_at_fpr


def test_members_are_the_organisms_recorded_pool_and_non_members_fresh_scenes_of_it():
    task = build_task(Spec(name="privacy.membership", params={"organism": "clip-fair", "n": 10}))
    samples = task.samples(DataContext())
    recipe = pool_recipe("clip-fair")
    drawn = [*draw_pool(recipe, 10).pixels, *draw_pool(recipe, 10, seed=1_000_003).pixels]
    for sample, pixels in zip(samples, drawn, strict=True):
        assert np.array_equal(np.asarray(sample.load_image()), pixels.permute(1, 2, 0).numpy())
    assert samples[0].source == "zoo-pool:clip-fair:member:0"


def test_an_organism_not_trained_on_a_pool_is_a_data_error_before_any_drawing():
    task = build_task(Spec(name="privacy.membership", params={"organism": "assistant"}))
    with pytest.raises(DataError, match="'assistant' was not trained on a pool"):
        task.samples(DataContext())


def test_tpr_at_low_fpr_on_a_hand_case():
    others = np.arange(100) / 100.0  # 0.00 .. 0.99
    members = np.array([0.995, 0.985, 0.975, 0.5])
    assert tpr_at_fpr(members, others, 0.01) == 0.5  # threshold 0.98: one non-member above
    assert tpr_at_fpr(members, others, 0.001) == 0.25  # threshold 0.99: none above
    # 0.29 * 100 is 28.999999999999996 in floats: still 29 non-members may pass, not 28
    assert 0.29 * 100 < 29
    high = np.array([0.705, 0.695])  # between the 29th (0.71) and 30th (0.70) highest others
    assert tpr_at_fpr(high, others, 0.29) == 0.5
    curve = roc_points(members, others)
    assert curve["x"][0] == 0.0 and curve["y"][-1] == 1.0


def test_attack_separates_confident_from_unconfident_pairs(tmp_path):
    """With --data: "members" keep their own caption, "non-members" get another scene's, so
    the attack must rank members higher (a real signal, unlike zoo:clip's own pool)."""
    scenes = world.generate(5, 40, family="objects")
    (tmp_path / "data").mkdir()
    rows = []
    for i, scene in enumerate(scenes):
        scene.load_image().save(tmp_path / "data" / f"{i}.png")
        member = i % 2 == 0
        other = scenes[(i + 7) % 40].labels["caption"]
        caption = scene.labels["caption"] if member else other
        rows.append({"file": f"{i}.png", "caption": caption, "member": member})
    (tmp_path / "data/labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = run(
        RunConfig(
            model="zoo:clip",
            tasks=(Spec(name="privacy.membership", params={"shadows": 0}),),
            data=tmp_path / "data",
            out=tmp_path / "run",
            show_progress=False,
        )
    )
    auc = {(r.attack, r.metric): r for r in summary.metrics}["none", "auc"]
    assert auc.n == 40 and auc.ci_low > 0.8
    assert len(auc.details["curve"]["x"]) == 101


def test_pool_index_is_read_only_from_zoo_pool_sources():
    from vlmtrust.core.records import Sample
    from vlmtrust.tasks.privacy.membership import _index

    assert _index(Sample(id="a", source="zoo-pool:clip:member:17")) == 17
    assert _index(Sample(id="b", source="data/0.png")) == -1
