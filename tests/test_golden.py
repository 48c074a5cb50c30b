"""One scan per pillar at a small limit gives exactly the metric rows it gave before the
architecture refactor (tests/golden; the demo's rows are checked in test_demo)."""

from __future__ import annotations

import json

import pytest
from golden_rows import PILLAR_SCANS, assert_rows_match_golden

from vlmtrust.core.config import RunConfig
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.runner import run


@pytest.mark.slow
@pytest.mark.parametrize(("stem", "model", "pillar", "limit"), PILLAR_SCANS)
def test_pillar_scan_matches_its_golden_rows(tmp_path, stem, model, pillar, limit):
    out = tmp_path / "run"
    run(RunConfig(model=model, suite=(pillar,), out=out, limit=limit, show_progress=False))
    rows = json.loads(build_report([out], ReportFormat.json)[0])["rows"]
    assert_rows_match_golden(rows, stem)


def test_golden_floats_may_drift_a_little_but_not_more():
    from golden_rows import same

    row = {"value": 0.25, "details": {"roc": [[0.1, 0.2]], "label": "a", "n": 3}}
    drifted = {
        "value": 0.25 * (1 + 1e-9),
        "details": {"roc": [[0.1, 0.2 + 1e-12]], "label": "a", "n": 3},
    }
    assert same(drifted, row)
    assert not same({**row, "value": 0.2501}, row)
    assert not same({**row, "details": {**row["details"], "label": "b"}}, row)
    assert not same({**row, "details": {"roc": [[0.1]], "label": "a", "n": 3}}, row)


def test_machine_dependent_rows_exist_and_only_their_values_are_free():
    from golden_rows import GOLDEN, MACHINE_DEPENDENT, MACHINE_DEPENDENT_ATTACKS, golden_rows

    stems = [path.stem for path in GOLDEN.glob("*.json")]
    present = {(r["task"], r["mitigation"]) for stem in stems for r in golden_rows(stem)}
    assert present >= MACHINE_DEPENDENT, MACHINE_DEPENDENT - present
    attacks = {(r["task"], r["attack"], r["mitigation"]) for s in stems for r in golden_rows(s)}
    assert attacks >= MACHINE_DEPENDENT_ATTACKS, MACHINE_DEPENDENT_ATTACKS - attacks
    privacy = golden_rows("privacy_limit6")
    kept = [r for r in privacy if r["task"] == "privacy.membership" and r["attack"] != "lira"]
    assert kept, "membership's other attacks must stay compared"
    free = [{**r, "value": -1.0} if r["attack"] == "lira" else r for r in privacy]
    assert_rows_match_golden(free, "privacy_limit6")
    with pytest.raises(AssertionError, match="rows changed"):
        moved = {**kept[0], "value": -1.0}
        assert_rows_match_golden([moved if r is kept[0] else r for r in privacy], "privacy_limit6")
    rows = golden_rows("robustness_limit6")
    moved = [{**r, "value": None} if r["task"] == "robustness.backdoor_scan" else r for r in rows]
    assert_rows_match_golden(moved, "robustness_limit6")
    with pytest.raises(AssertionError, match="rows differ"):
        assert_rows_match_golden(
            [r for r in rows if r["task"] != "robustness.backdoor_scan"], "robustness_limit6"
        )
    other = next(i for i, r in enumerate(rows) if r["task"] == "robustness.zero_shot")
    with pytest.raises(AssertionError, match="rows changed"):
        assert_rows_match_golden(
            [*rows[:other], {**rows[other], "value": -1.0}, *rows[other + 1 :]],
            "robustness_limit6",
        )
