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
