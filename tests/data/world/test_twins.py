"""Counterfactual twins: same scene, only the group differs."""

import numpy as np

from vlmtrust.data import world
from vlmtrust.data.world.twins import PAIR, twin_samples


def test_twins_differ_only_in_group():
    samples = twin_samples(seed=2, pairs=6)
    assert len(samples) == 12
    for a, b in zip(samples[0::2], samples[1::2], strict=True):
        assert (a.groups["group"], b.groups["group"]) == world.GROUPS
        assert a.labels[PAIR] == b.labels[PAIR]
        same = {k: v for k, v in a.labels.items() if k not in ("group", "caption")}
        assert same == {k: v for k, v in b.labels.items() if k not in ("group", "caption")}
        pixels_a, pixels_b = np.asarray(a.load_image()), np.asarray(b.load_image())
        changed = (pixels_a != pixels_b).any(axis=-1).mean()
        assert 0 < changed < 0.2  # the figure's skin/torso, not the scene
    assert twin_samples(seed=2, pairs=6, start=3)[0].id == samples[6].id
