"""LiRA (offline) in privacy.membership: it finds the overfit target's membership signal, finds
none where there is none, its rows are well-formed, and a model it cannot shadow is unscorable."""

import json

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.clip_head import MEMBER_SEED
from vlmtrust.runner import run
from vlmtrust.store.sqlite import ResultStore

MEMBERS = 64
SHADOWS = 4


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_lira_finds_the_overfit_targets_membership_signal(tmp_path):
    """Trains the 64-member overfit target and 2 x 4 shadow heads (~600 world scenes drawn)."""
    params = {"member_seed": MEMBER_SEED, "n": MEMBERS, "resamples": 300, "shadows": SHADOWS}
    summary = run(
        RunConfig(
            model="zoo:clip",
            tasks=(Spec(name="privacy.membership", params=params),),
            mitigations=(f"overfit:members={MEMBERS}",),
            out=tmp_path / "run",
            show_progress=False,
        )
    )
    rows = {(r.mitigation.split("(")[0], r.attack, r.metric): r for r in summary.metrics}
    leak = rows["overfit", "lira", "auc"]
    assert leak.n == 2 * MEMBERS and leak.ci_low > 0.8
    # the shadows were trained by the target's own recipe, on scenes it never saw
    assert leak.details["shadows"] == SHADOWS
    assert leak.details["shadow_recipe"]["name"] == "overfit"
    assert leak.details["shadow_members"] == MEMBERS and leak.details["sd_out"] > 0
    # the shipped organism never saw these scenes: LiRA must not invent a signal
    none = rows["none", "lira", "auc"]
    assert none.ci_low < 0.5 < none.ci_high
    for variant in ("none", "overfit"):
        for metric in ("auc", "tpr@1%fpr", "tpr@0.1%fpr"):
            row = rows[variant, "lira", metric]
            assert row.n == 2 * MEMBERS
            assert 0 <= row.ci_low <= row.value <= row.ci_high <= 1
        curve = rows[variant, "lira", "auc"].details["curve"]
        assert len(curve["x"]) == 101 and curve["y"][-1] == 1.0
        assert rows[variant, "lira", "auc"].details["min_resolvable_fpr"] == 1 / MEMBERS
    # the threshold attack is still reported beside it
    assert rows["overfit", "none", "auc"].ci_low > 0.8


def test_lira_is_unscorable_for_a_model_it_cannot_shadow(tmp_path, tiny_clip):
    scenes = world.generate(5, 12, family="objects")
    (tmp_path / "data").mkdir()
    rows = []
    for i, scene in enumerate(scenes):
        scene.load_image().save(tmp_path / "data" / f"{i}.png")
        rows.append({"file": f"{i}.png", "caption": scene.labels["caption"], "member": i % 2 == 0})
    (tmp_path / "data/labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = run(
        RunConfig(
            model=f"hf:{tiny_clip}",
            tasks=(Spec(name="privacy.membership", params={"shadows": 2}),),
            data=tmp_path / "data",
            out=tmp_path / "run",
            show_progress=False,
        )
    )
    assert {r.attack for r in summary.metrics} == {"none"}
    with ResultStore.open_existing(tmp_path / "run") as store:
        results = store.results_of("privacy.membership")
    lira = [s for r in results for s in r.scores if s.metric == "lira_score"]
    assert len(lira) == 12 and all(s.unscorable for s in lira)
    assert {s.reason for s in lira} == {"LiRA's shadow fine-tunes need a zoo CLIP organism"}
