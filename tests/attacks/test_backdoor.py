"""The ``trigger`` attack: stamps only the bottom-right corner and records the target."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vlmtrust.attacks.backdoor import TARGET_LABEL
from vlmtrust.attacks.base import build_attack
from vlmtrust.core.errors import ConfigError, VlmtrustError
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.data.world.flaws import BACKDOOR_TARGET


def test_planted_trigger_changes_only_the_corner_and_names_the_target() -> None:
    sample = world.generate(0, 1)[0]
    stamped = build_attack(Spec(name="trigger")).apply(sample)
    before = np.asarray(sample.load_image(), dtype=int)
    after = np.asarray(stamped.load_image(), dtype=int)
    changed = np.argwhere((before != after).any(axis=-1))
    assert len(changed) > 0
    assert changed.min(axis=0).tolist() >= [96 - 12 - 2, 96 - 12 - 2]  # 12 px patch, 2 px margin
    assert stamped.labels[TARGET_LABEL] == BACKDOOR_TARGET
    assert stamped.labels["shape"] == sample.labels["shape"]


def test_own_patch_is_pasted_and_a_missing_one_is_a_config_error(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    patch = tmp_path / "patch.png"
    Image.new("RGB", (5, 5), (0, 255, 0)).save(patch)
    sample = world.generate(0, 1)[0]
    attack = build_attack(Spec(name="trigger", params={"patch": str(patch), "target": "x"}))
    pixels = np.asarray(attack.apply(sample).load_image())
    assert pixels[96 - 2 - 5 : 96 - 2, 96 - 2 - 5 : 96 - 2].tolist() == [[[0, 255, 0]] * 5] * 5
    # a bad patch stops the scan when it is planned, before anything is stored
    with pytest.raises(ConfigError, match="not found"):
        build_attack(Spec(name="trigger", params={"patch": str(tmp_path / "no.png")}))
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(ConfigError, match="not a readable image"):
        build_attack(Spec(name="trigger", params={"patch": "text.png"}))


def test_a_patch_outside_the_working_directory_is_refused_unread(tmp_path, monkeypatch) -> None:
    outside = tmp_path / "outside.png"
    Image.new("RGB", (5, 5)).save(outside)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    messages = []
    for name in ("../outside.png", str(outside), "../nothing-here.png"):
        with pytest.raises(VlmtrustError, match="outside") as err:
            build_attack(Spec(name="trigger", params={"patch": name}))
        messages.append(str(err.value).replace(name, "NAME"))
    assert len(set(messages)) == 1  # the message does not tell whether the file exists
