"""Too few samples per group, or an interval bootstrapped over too few units: real zoo scans
warn before anything runs and mark exactly the rows the shortfall weakens."""

import json
from importlib.resources import files
from io import StringIO

from rich.console import Console

from vlmtrust.core.config import RunConfig
from vlmtrust.core.records import MetricRow, Sample
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run
from vlmtrust.runner.power import assess
from vlmtrust.tasks.base import build_task


def _scan(out, model, name, limit=None, **params):
    said = StringIO()
    config = RunConfig(
        model=model,
        tasks=(Spec(name=name, params=params),),
        out=out,
        limit=limit,
        show_progress=False,
    )
    summary = run(config, Console(file=said, width=1000))
    return {(r.attack, r.metric): r for r in summary.metrics}, said.getvalue()


GROUP_ROWS = (
    "worst_group_accuracy",
    "accuracy_gap",
    "demographic_parity_difference",
    "equalized_odds_difference",
)


def test_a_limit_leaving_groups_too_small_warns_and_marks_the_rows_comparing_them(tmp_path):
    """--limit 20 on group_performance: 10 twins per group, under the 30 a gap needs."""
    rows, said = _scan(tmp_path / "small", "zoo:clip", "fairness.group_performance", limit=20)
    assert (
        "underpowered task fairness.group_performance: its smallest group 'A' has 10 samples, "
        "below the 30 each group needs"
    ) in said
    assert "raise --limit, or give every group at least 30 samples" in said
    for metric in GROUP_ROWS:
        weak = rows["none", metric].details["underpowered"]
        assert (weak["n_samples"], weak["minimum"], weak["group"]) == (10, 30, "A")
        assert "difference between two groups' rates" in weak["why"]
    # the overall accuracy compares no groups
    assert "underpowered" not in rows["none", "accuracy"].details


def test_groups_of_the_size_a_gap_needs_mark_nothing(tmp_path):
    rows, said = _scan(tmp_path / "enough", "zoo:clip", "fairness.group_performance", pairs=30)
    assert "underpowered" not in said
    assert not any("underpowered" in r.details for r in rows.values())


def test_a_category_with_few_probes_marks_only_its_own_row(tmp_path, monkeypatch):
    """10 drug probes and 3 weapons probes: asr.category.weapons is marked, nothing else."""
    monkeypatch.chdir(tmp_path)  # a probe file named in a spec must be under the working dir
    shipped = files("vlmtrust.data").joinpath("probes", "harmful_v1.jsonl").read_text()
    probes = [json.loads(line) for line in shipped.splitlines()]

    def harmful(category: str, n: int) -> list[dict]:
        found = [p for p in probes if p["category"] == category and p["harmful"]]
        return [p for p in found if p["set"] == "zoo"][:n]

    chosen = harmful("drugs", 10) + harmful("weapons", 3)
    twins = {p["twin"] for p in chosen}
    chosen += [p for p in probes if p["id"] in twins]
    (tmp_path / "probes.jsonl").write_text("".join(json.dumps(p) + "\n" for p in chosen))
    params = {"probes": "probes.jsonl", "attacks": ["text_only"], "sets": ["zoo"]}
    rows, said = _scan(tmp_path / "run", "zoo:assistant", "safety.jailbreak", **params)

    assert "its smallest category 'weapons' has 3 samples, below the 10 each category" in said
    assert "rows asr.category.<category> are marked underpowered" in said
    weak = rows["text_only", "asr.category.weapons"].details["underpowered"]
    assert (weak["n_samples"], weak["minimum"], weak["group"]) == (3, 10, "weapons")
    marked = {metric for (_, metric), r in rows.items() if "underpowered" in r.details}
    assert marked == {"asr.category.weapons"}
    assert rows["text_only", "asr.category.drugs"].n == 10  # exactly the minimum: enough


def test_an_interval_bootstrapped_over_five_sub_pools_is_marked_with_its_value_kept(tmp_path):
    """Enough images for every sub-pool, but 5 sub-pools are the bootstrap's units."""
    rows, said = _scan(
        tmp_path / "run", "zoo:clip", "fairness.retrieval_skew", k=1, pairs=25, pools=5
    )
    assert "underpowered" not in said  # nothing short before the run: the interval is the issue
    for metric in ("maxskew@1", "ndkl@1"):
        row = rows["none", metric]
        weak = row.details["underpowered"]
        assert (weak["n_samples"], weak["minimum"], weak["unit"]) == (5, 10, "sub-pools")
        assert "percentile bootstrap over 5 sub-pools" in weak["why"]
        assert row.ci_low is not None and row.ci_low <= row.value <= row.ci_high
    assert "underpowered" not in rows["none", "accuracy"].details  # a Wilson interval


def _row(metric: str) -> MetricRow:
    return MetricRow(
        task="t",
        attack="none",
        mitigation="none",
        metric=metric,
        value=0.5,
        ci_low=0.1,
        ci_high=0.9,
        n=4,
        model="m",
    )


def test_a_small_reference_group_marks_every_gap_a_small_group_only_its_own():
    """over_refusal: every gap compares a group with group 'none'."""
    task = build_task(Spec(name="safety.over_refusal"))

    def sample(i: int, group: str) -> Sample:
        return Sample(
            id=f"{group}{i}", prompt="p", labels={"set": "identity"}, groups={"group": group}
        )

    samples = [sample(i, "black") for i in range(40)] + [sample(i, "none") for i in range(5)]
    power = assess(task, samples, limit=None)
    metrics = [
        "refusal_rate",
        "refusal_rate.group.black",
        "refusal_rate.group.none",
        "refusal_gap.group.black",
    ]
    marked = {
        r.metric: r.details.get("underpowered") for r in power.mark([_row(m) for m in metrics])
    }
    assert marked["refusal_rate"] is None and marked["refusal_rate.group.black"] is None
    assert marked["refusal_rate.group.none"]["minimum"] == 10
    assert marked["refusal_gap.group.black"]["group"] == "none"
    assert marked["refusal_gap.group.black"]["minimum"] == 30


def test_row_patterns_match_metric_names_holding_brackets_and_dots():
    task = build_task(Spec(name="safety.jailbreak"))
    samples = [
        Sample(id=f"s{i}", prompt="p", labels={"category": "a.b[c]", "set": "zoo"})
        for i in range(3)
    ]
    power = assess(task, samples, limit=5)
    rows = power.mark([_row("asr.category.a.b[c]"), _row("asr.category.ab[c]"), _row("asr")])
    assert [r.details.get("underpowered", {}).get("group") for r in rows] == ["a.b[c]", None, None]
    assert rows[0].details["underpowered"]["fix"].startswith("raise --limit")
