"""fairness.dataset_audit: the planted correlation is visible in the data before any model."""

from vlmtrust_testing import run_task_directly

from vlmtrust.core.records import Sample
from vlmtrust.tasks.fairness.dataset_audit import lexicon, terms_in

NAME = "fairness.dataset_audit"


def _rows(rows):
    return {r.metric: r for r in rows}


def test_planted_world_data_shows_the_correlation_and_fair_data_does_not():
    planted = _rows(run_task_directly(NAME, None, params={"n": 400}))
    fair = _rows(run_task_directly(NAME, None, params={"n": 400, "world": "fair"}))
    gap = planted["cooccurrence_gap"]
    assert gap.details["label"] in ("doctor", "builder") and abs(gap.value) > 0.3
    assert gap.details["p_value"] < 1e-6
    assert fair["cooccurrence_gap"].details["p_value"] > 0.001
    assert abs(fair["cooccurrence_gap"].value) < abs(gap.value)
    doctor = planted["cooccurrence_gap"].details["by_label"]["doctor"]
    assert doctor["ci_low"] > 0.75  # 90% group A by the recipe
    assert planted["group_share"].details["caption_mentions"]["A"]["value"] > 0.3
    assert planted["flagged_vocabulary_rate"].value == 0


def test_outdated_vocabulary_is_flagged_with_its_replacement():
    assert lexicon()["version"] and terms_in("A Fireman and a stewardess.") == [
        "stewardess",
        "fireman",
    ]
    assert terms_in("a firefighter") == [] and terms_in("firemanship") == []
    samples = [
        Sample(
            id="a", prompt="a fireman on grass", groups={"group": "A"}, labels={"occupation": "x"}
        ),
        Sample(
            id="b",
            prompt="a firefighter on grass",
            groups={"group": "B"},
            labels={"occupation": "x"},
        ),
        Sample(id="c", prompt="a chef", groups={"group": "B"}, labels={"occupation": "x"}),
    ]
    rows = _rows(run_task_directly(NAME, None, samples=samples))
    flagged = rows["flagged_vocabulary_rate"]
    assert flagged.value == 1 / 3 and flagged.n == 3
    assert flagged.details["terms"] == {"fireman": 1}
    assert flagged.details["use_instead"]["fireman"] == "firefighter"
    assert rows["group_share"].value == 2 / 3 and rows["group_share"].details["group"] == "B"
