"""Gate grammar and judgement: conservative bounds, selectors, and no silent passes."""

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import MetricRow
from vlmtrust.report.gates import evaluate, parse_gate


def _row(value, low, high, attack="none", mitigation="none", metric="asr", task="safety.jb"):
    return MetricRow(
        task=task,
        attack=attack,
        mitigation=mitigation,
        metric=metric,
        value=value,
        ci_low=low,
        ci_high=high,
        n=50,
        model="m",
    )


def test_grammar_reads_task_selector_metric_op_threshold():
    gate = parse_gate("fairness.retrieval_skew[attack=figstep, mitigation=guard].maxskew@10 >= 0.2")
    assert (gate.task, gate.metric, gate.op, gate.threshold) == (
        "fairness.retrieval_skew",
        "maxskew@10",
        ">=",
        0.2,
    )
    assert dict(gate.selector) == {"attack": "figstep", "mitigation": "guard"}
    assert parse_gate("safety.x.judge.refusal.precision<0.9").metric == "judge.refusal.precision"


@pytest.mark.parametrize(
    "text", ["safety.asr>0.1", "safety.jb.asr=0.1", "safety.jb[colour=red].asr>0.1", "x>y"]
)
def test_malformed_gates_are_user_errors(text):
    with pytest.raises(ConfigError):
        parse_gate(text)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("robustness.zero_shot.accuracy<0.1.2", "'0.1.2' that is not a number"),
        ("safety.jb.asr>nan", "not finite"),
        ("safety.jb.asr<-inf", "not finite"),
        ("safety.jb.>0.1", "names no metric"),
        ("safety.jb>0.1", "names no metric"),
        ("safety.jb.asr==0.1", "unknown operator '=='"),
        ("safety.jb.asr=>0.1", "unknown operator '=>'"),
        ("safety.jb.asr 0.1", "has no comparison"),
        ("safety.jb.asr>", "has no threshold"),
    ],
)
def test_each_malformed_part_is_named_in_one_line(text, needle):
    with pytest.raises(ConfigError, match=needle) as caught:
        parse_gate(text)
    assert "\n" not in str(caught.value)


def test_metric_names_may_hold_equals_signs_and_thresholds_may_be_negative():
    gate = parse_gate("fairness.group_performance.accuracy[group=A]>=-0.5")
    assert (gate.metric, gate.op, gate.threshold) == ("accuracy[group=A]", ">=", -0.5)
    assert parse_gate("safety.jb.asr > 1e-3").threshold == 0.001


def test_default_bound_is_the_conservative_end():
    rows = [_row(0.05, 0.01, 0.15)]
    upper = evaluate([parse_gate("safety.jb.asr>0.10")], rows)[0]
    assert upper.bound == "upper" and upper.violated  # 0.15 > 0.10 although the point is 0.05
    lower = evaluate([parse_gate("safety.jb.asr<0.03")], rows)[0]
    assert lower.bound == "lower" and lower.violated  # 0.01 < 0.03
    point = evaluate([parse_gate("safety.jb.asr>0.10")], rows, bound="point")[0]
    assert not point.violated and point.status == "warn"  # met, but the interval crosses 0.10
    clear = evaluate([parse_gate("safety.jb.asr>0.20")], rows)[0]
    assert clear.status == "pass"


def test_gate_reads_baseline_rows_unless_the_selector_names_a_mitigation():
    rows = [_row(0.5, 0.4, 0.6), _row(0.0, 0.0, 0.05, mitigation="guard")]
    assert evaluate([parse_gate("safety.jb.asr>0.1")], rows)[0].violated
    guarded = evaluate([parse_gate("safety.jb[mitigation=guard].asr>0.1")], rows)[0]
    assert not guarded.violated and len(guarded.verdicts) == 1


def test_any_violating_row_fails_the_gate_and_a_missing_value_violates():
    rows = [_row(0.0, 0.0, 0.05, attack="a"), _row(0.5, 0.4, 0.6, attack="b")]
    result = evaluate([parse_gate("safety.jb.asr>0.1")], rows)[0]
    assert result.violated and "violated on 1 of 2" in result.message()
    empty = evaluate([parse_gate("safety.jb.asr>0.1")], [_row(None, None, None)])[0]
    assert empty.violated


def test_a_gate_matching_no_row_is_a_user_error():
    with pytest.raises(ConfigError, match="matches no metric row"):
        evaluate([parse_gate("safety.jb.acr>0.1")], [_row(0.1, 0.0, 0.2)])
