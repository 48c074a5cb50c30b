"""privacy.membership: the threshold attack, its low-FPR metrics, and exact member regeneration."""

import json

import numpy as np
import torch

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.data.world.pool import PoolRecipe, build_pool
from vlmtrust.runner import run
from vlmtrust.tasks.privacy.membership import roc_points, tpr_at_fpr


def test_a_shorter_pool_is_a_prefix_of_the_training_pool():
    """The assumption that lets members be regenerated without rendering all 24,000."""
    recipe = PoolRecipe(pool=12)
    short, full = build_pool(recipe.model_copy(update={"pool": 6})), build_pool(recipe)
    assert torch.equal(short.pixels, full.pixels[:6])
    assert [short.captions[i] for i in short.caption_index] == [
        full.captions[i] for i in full.caption_index[:6]
    ]


def test_tpr_at_low_fpr_on_a_hand_case():
    others = np.arange(100) / 100.0  # 0.00 .. 0.99
    members = np.array([0.995, 0.985, 0.975, 0.5])
    assert tpr_at_fpr(members, others, 0.01) == 0.5  # threshold 0.98: one non-member above
    assert tpr_at_fpr(members, others, 0.001) == 0.25  # threshold 0.99: none above
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
