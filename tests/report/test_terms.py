"""A run's stored per-sample terms, read back keyed like its rows: what a comparison and a
baseline gate pair by sample id."""

import pytest

from vlmtrust.report.rows import load_runs
from vlmtrust.report.terms import load_terms


def test_terms_are_keyed_like_the_rows_and_average_to_their_values(zoo_scan):
    rows = {
        (r.task, r.attack, r.mitigation, r.metric, r.model): r
        for r in load_runs([zoo_scan])[0].rows
    }
    terms = load_terms([zoo_scan])
    # (a task may keep terms for a metric it does not report as a row: adversarial's
    # attack_success; those are never paired with anything)
    keyed = [(rows[key], paired) for key, paired in terms.items() if key in rows]
    assert {paired.kind for _, paired in keyed} == {"binary", "continuous"}
    for row, paired in keyed:
        assert len(paired.values) == row.n
        if paired.kind == "binary":
            assert set(paired.values.values()) <= {0.0, 1.0}
        assert sum(paired.values.values()) / row.n == pytest.approx(row.value)


def test_a_report_loads_terms_only_when_it_compares_runs(zoo_scan):
    assert load_runs([zoo_scan])[0].terms == {}  # one run: nothing to pair with
    assert load_runs([zoo_scan, zoo_scan])[1].terms == load_terms([zoo_scan])
