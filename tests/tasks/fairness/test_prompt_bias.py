"""fairness.prompt_bias: prompts leaning to one group are flagged, with the lean's sign."""

import pytest
from vlmtrust_testing import run_task_directly

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.tasks.base import DataContext, build_task

NAME = "fairness.prompt_bias"


def test_zoo_clip_doctor_and_builder_prompts_are_flagged(
    zoo_clip, zoo_clip_fair, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # files named in specs must be under the working dir
    file = tmp_path / "prompts.txt"
    file.write_text("a photo of a doctor.\na photo of a builder.\na photo of a circle.\n")
    rows = {
        r.metric: r for r in run_task_directly(NAME, zoo_clip, params={"prompts_file": str(file)})
    }
    flagged = {f["prompt"]: f["projection"] for f in rows["flagged_rate"].details["flagged"]}
    assert flagged["a photo of a doctor."] > 0 > flagged["a photo of a builder."]
    assert "a photo of a circle." not in flagged
    assert rows["flagged_rate"].value == pytest.approx(2 / 3) and rows["flagged_rate"].n == 3
    fair = {
        r.metric: r
        for r in run_task_directly(NAME, zoo_clip_fair, params={"prompts_file": str(file)})
    }
    assert fair["flagged_rate"].value == 0
    assert fair["mean_abs_projection"].ci_high < rows["mean_abs_projection"].value


def test_prompt_directions_need_pairs(zoo_clip):
    task = build_task(Spec(name=NAME, params={"directions": "prompts"}))
    with pytest.raises(ConfigError, match="prompt_pairs"):
        task.score(zoo_clip, task.samples(DataContext()))
