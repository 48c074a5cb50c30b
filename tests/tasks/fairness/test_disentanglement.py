"""``fairness.disentanglement``: MIG over the world's known factors, read from a model's latent
codes where it offers them (the disentanglers' wrapped models) and from its embedding otherwise;
samples without a factor are unscorable, not guessed."""

from vlmtrust_testing import run_task_directly

from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.trainers.training.disentangle import DisentangledClip, GroupSplit
from vlmtrust.tasks.base import build_task

PARAMS = {"n": 40, "resamples": 100}


def _rows(rows):
    return {r.metric: r for r in rows}


def test_an_embedder_is_scored_on_its_embedding_and_a_disentangler_on_its_codes(zoo_clip):
    base = _rows(run_task_directly("fairness.disentanglement", zoo_clip, params=PARAMS))
    split = DisentangledClip(zoo_clip, GroupSplit(384, 16, 2, 6), card={})
    codes = _rows(run_task_directly("fairness.disentanglement", split, params=PARAMS))
    assert base["mig"].details["representation"] == "image_embedding"
    assert base["mig"].details["dimensions"] == 384
    assert codes["mig"].details["representation"] == "latent_codes"
    assert codes["mig"].details["dimensions"] == 8
    for rows in (base, codes):
        assert rows["mig"].n == 40 and rows["mig"].ci_low is not None
        assert set(rows["mig"].details["by_factor"]) == {"group", "occupation", "background"}
        assert rows["mig_group"].value == rows["mig"].details["by_factor"]["group"]["mig"]


def test_a_sample_without_a_factor_is_unscorable(zoo_clip):
    task = build_task(Spec(name="fairness.disentanglement", params=PARAMS))
    objects = world.generate(3, 2)  # object scenes have no group or occupation
    scores = task.score(zoo_clip, objects)
    assert all(s[0].unscorable and "no factor 'group'" in s[0].reason for s in scores)
