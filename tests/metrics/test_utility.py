"""Utility rows and what a fix costs on them: a capability drop or an over-refusal rise under
the fixing mitigation, the worst one, with its paired interval; the rule agrees with the
glossary's directions."""

import pytest

from vlmtrust.core.records import MetricRow
from vlmtrust.metrics.findings import derive_findings, fix_cost
from vlmtrust.metrics.severity import default_rules
from vlmtrust.metrics.utility import CAPABILITY, utility_direction
from vlmtrust.report.glossary import explain
from vlmtrust.report.glossary_entries import ENTRIES, HIGHER, LOWER


def _row(task, attack, mitigation, metric, value, model="zoo:m", **details):
    return MetricRow(
        task=task,
        attack=attack,
        mitigation=mitigation,
        metric=metric,
        value=value,
        ci_low=None,
        ci_high=None,
        n=100,
        model=model,
        details=details,
    )


def _paired(difference, low, high):
    return {"difference": difference, "ci_low": low, "ci_high": high, "p_holm": 0.5}


@pytest.mark.parametrize(
    ("task", "attack", "metric", "direction"),
    [
        ("robustness.vqa", "none", "accuracy", "lower"),
        ("robustness.ood", "none", "auroc_msp", "lower"),
        ("robustness.zero_shot", "corruption.jpeg", "accuracy", None),  # not the clean condition
        ("privacy.attribute_inference", "none", "probe_accuracy", None),  # an attacker's success
        ("safety.over_refusal", "figstep", "refusal_rate", "higher"),  # benign twins refused
        ("safety.jailbreak", "figstep", "refusal_rate", None),
        ("safety.jailbreak", "calibration", "judge.refusal.precision", None),
    ],
)
def test_which_rows_measure_utility_and_which_change_is_their_cost(task, attack, metric, direction):
    assert utility_direction(_row(task, attack, "none", metric, 0.5)) == direction


#: a concrete name for each patterned glossary entry where higher is better
EXAMPLE = {
    "accuracy_<side>@<radius>": "accuracy_image@0.03",
    "selective_accuracy_<split>": "selective_accuracy_in",
    "auroc_<score>": "auroc_energy",
    "mask_l1:<label>": "mask_l1:cat",
    "judge.<judge>.precision": "judge.refusal.precision",
    "judge.<judge>.recall": "judge.refusal.recall",
    "judge.<judge>.agreement": "judge.refusal.agreement",
    "judge.<judge>.kappa": "judge.refusal.kappa",
    "accuracy.round.<round>": "accuracy.round.3",
    "client_accuracy.client.<client>": "client_accuracy.client.0",
}
#: metrics where higher is better that are no utility, and why
NOT_UTILITY = {
    "accuracy_<side>@<radius>": "measured under a perturbation of that radius, not clean",
    "accuracy_out": "accuracy on inputs that have no right class",
    "mean_pair_cosine": "describes the embedding space (the modality gap), not a service",
    "mask_l1:<label>": "a backdoor scan's statistic about the model",
    "judge.<judge>.precision": "measures the judge, not the model",
    "judge.<judge>.recall": "measures the judge, not the model",
    "judge.<judge>.agreement": "measures the judge, not the model",
    "judge.<judge>.kappa": "measures the judge, not the model",
    "accuracy.round.<round>": "a point of the federated training curve, not the final model",
    "client_accuracy.client.<client>": "the final head on one client's own data (heterogeneity)",
    "client_accuracy_worst": "the worst client's accuracy on its own data (heterogeneity)",
    "feature_recovery_error": "a privacy attack's error (higher: less leaked), not a service",
    "mig": "describes how a representation is organised, not a service",
    "mig_group": "describes how a representation is organised, not a service",
}
#: every name CAPABILITY admits
CAPABILITIES = (
    "accuracy",
    "accuracy_in",
    "worst_group_accuracy",
    "coverage",
    "selective_accuracy",
    "selective_accuracy_in",
    "selective_accuracy_out",
    "binding_accuracy",
    "colour_swap_accuracy",
    "shape_swap_accuracy",
    "written_shape_accuracy",
    "auroc_msp",
    "auroc_max_logit",
    "auroc_energy",
    "auroc_mcm",
)


def test_every_higher_is_better_glossary_metric_is_a_capability_or_left_out_for_a_reason():
    for name, _pattern, _measures, bad, _reference in ENTRIES:
        if bad != LOWER:
            continue
        concrete = EXAMPLE.get(name, name)
        entry = explain(concrete)
        assert entry is not None and entry.name == name
        assert bool(CAPABILITY.fullmatch(concrete)) == (name not in NOT_UTILITY), name


def test_every_capability_is_higher_is_better_and_over_refusal_higher_is_worse():
    for name in CAPABILITIES:
        entry = explain(name)
        assert CAPABILITY.fullmatch(name) and entry is not None and entry.bad == LOWER, name
    refusal = explain("refusal_rate")
    assert refusal is not None and refusal.bad == HIGHER


def _toxicity_fixed_by_guard(*utility):
    return [
        _row("safety.toxicity", "persona", "none", "toxic_rate", 1.0),
        _row("safety.toxicity", "none", "none", "toxic_rate", 0.0),
        _row("safety.toxicity", "persona", "guard", "toxic_rate", 0.0),
        _row("safety.toxicity", "none", "guard", "toxic_rate", 0.0),
        *utility,
    ]


def test_a_fix_carries_its_worst_change_on_a_utility_row_with_the_paired_interval():
    rows = _toxicity_fixed_by_guard(
        _row("robustness.vqa", "none", "none", "accuracy", 1.0),
        _row("robustness.vqa", "none", "guard", "accuracy", 1.0, paired=_paired(0, 0, 0)),
        _row("safety.over_refusal", "text_only", "none", "refusal_rate", 0.05),
        _row(
            "safety.over_refusal",
            "text_only",
            "guard",
            "refusal_rate",
            0.25,
            paired=_paired(0.2, 0.12, 0.28),
        ),
        # a larger drop, but on another model and on a row that is no utility
        _row("robustness.vqa", "none", "none", "accuracy", 1.0, model="zoo:other"),
        _row("robustness.vqa", "none", "guard", "accuracy", 0.0, model="zoo:other"),
        _row("robustness.vqa", "corruption.jpeg", "none", "accuracy", 1.0),
        _row("robustness.vqa", "corruption.jpeg", "guard", "accuracy", 0.5),
    )
    finding = next(f for f in derive_findings(rows, default_rules()) if f.model == "zoo:m")
    assert finding.fixed_by == "guard"
    cost = finding.fix_cost
    assert cost is not None
    assert cost.text == (
        "safety.over_refusal refusal_rate under text_only 0.050 -> 0.250, +0.200 [+0.120, +0.280]"
    )
    assert cost.row == "safety.over_refusal/text_only/guard/refusal_rate/zoo:m"
    assert (cost.before, cost.after, cost.change) == (0.05, 0.25, 0.2)
    assert (cost.ci_low, cost.ci_high) == (0.12, 0.28)


def test_a_cost_without_a_paired_test_says_so_and_without_utility_rows_says_none_measured():
    unpaired = _toxicity_fixed_by_guard(
        _row("robustness.ood", "none", "none", "auroc_msp", 0.9),
        _row("robustness.ood", "none", "guard", "auroc_msp", 0.8),
    )
    cost = fix_cost("zoo:m", "guard", {_key(r): r for r in unpaired})
    assert cost.text == (
        "robustness.ood auroc_msp 0.900 -> 0.800, -0.100 (unpaired: no per-sample test for this "
        "metric)"
    )
    assert cost.ci_low is None and cost.change == pytest.approx(-0.1)
    (finding,) = derive_findings(_toxicity_fixed_by_guard(), default_rules())
    assert finding.fix_cost is not None and finding.fix_cost.text == "no utility row measured"
    assert finding.fix_cost.row is None


def test_no_fix_has_no_cost():
    rows = [
        _row("safety.toxicity", "persona", "none", "toxic_rate", 1.0),
        _row("safety.toxicity", "none", "none", "toxic_rate", 0.0),
        _row("safety.toxicity", "persona", "guard", "toxic_rate", 1.0),
        _row("robustness.vqa", "none", "none", "accuracy", 1.0),
        _row("robustness.vqa", "none", "guard", "accuracy", 1.0),
    ]
    (finding,) = derive_findings(rows, default_rules())
    assert finding.fixed_by is None and finding.fix_cost is None


def _key(row):
    return (row.model, row.task, row.attack, row.mitigation, row.metric)
