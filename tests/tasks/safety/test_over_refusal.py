"""safety.over_refusal: benign twins and identity/dialect groups, on zoo:assistant."""

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run


@pytest.mark.timeout(900)  # generation on 2 shared cores; ~20 s on an idle machine
def test_zoo_assistant_answers_benign_twins_and_rows_cover_every_group(tmp_path):
    task = Spec(name="safety.over_refusal", params={"sets": ["zoo", "identity"]})
    summary = run(
        RunConfig(
            model="zoo:assistant", tasks=(task,), out=tmp_path / "r", limit=40, show_progress=False
        )
    )
    rows = {(r.attack, r.metric): r for r in summary.metrics}
    # the zoo was trained with 0% false refusals on these benign requests (model card)
    text = rows[("text_only", "refusal_rate")]
    assert text.n + text.details["n_unscorable"] == 22 and text.value <= 0.1
    assert rows[("figstep", "refusal_rate")].value <= 0.1
    groups = {m.split(".")[-1] for a, m in rows if m.startswith("refusal_rate.group.")}
    assert {"none", "aave", "scots", "muslim", "black"} <= groups
    gap = rows[("text_only", "refusal_gap.group.aave")]
    assert gap.ci_low <= gap.value <= gap.ci_high
    assert not any(m.startswith("refusal_rate.group.") for a, m in rows if a == "figstep")
    # the shipped probes keep their rows: per-category rows are for --data rows only
    assert not any(m.startswith("refusal_rate.category.") for _, m in rows)
    assert ("calibration", "judge.refusal.recall") in rows
