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


def test_the_gallery_shows_flagged_captions_then_one_card_per_label_and_group():
    """Gallery picks are distinct and say something: flagged captions first, a sample the
    audit could not place, then one per label x group cell, most skewed label first (the
    default pick gave three builders of group B, and the same three again per mitigation)."""
    from vlmtrust.core.spec import Spec
    from vlmtrust.tasks.base import DataContext, build_task

    task = build_task(Spec(name=NAME, params={"n": 400}))
    samples = task.samples(DataContext(seed=0))
    extra = [
        Sample(
            id="x-fireman",
            prompt="a fireman",
            groups={"group": "A"},
            labels={"occupation": "pilot"},
        ),
        Sample(id="x-stewardess", prompt="a stewardess", groups={"group": "B"}, labels={}),
        Sample(id="x-nogroup", prompt="a chef", labels={"occupation": "chef"}),
    ]
    scores = [s for per in task.score(None, [*samples, *extra]) for s in per]
    picks = task.examples({"none": scores})
    assert picks == task.examples({"none": list(reversed(scores))})  # order-free, repeatable
    ids = [sample_id for attack, sample_id in picks]
    assert {a for a, _ in picks} == {"none"} and len(ids) == len(set(ids)) <= 10
    assert set(ids[:2]) == {"x-fireman", "x-stewardess"} and ids[2] == "x-nogroup"
    by_id = {s.id: s for s in samples}
    cells = [(by_id[i].labels["occupation"], by_id[i].groups["group"]) for i in ids[3:]]
    assert len(cells) == len(set(cells)) == 7  # 4 occupations x 2 groups, capped at 10 cards
    worst = _rows(run_task_directly(NAME, None, params={"n": 400}))["cooccurrence_gap"]
    assert cells[:2] == [(worst.details["label"], "A"), (worst.details["label"], "B")]
