"""The JSON report validates against the schema shipped in the package."""

import json

import jsonschema
import pytest

from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.text import report_schema


def test_real_json_output_validates(zoo_scan):
    text, _ = build_report([zoo_scan], ReportFormat.json, ["robustness.ood.auroc_msp<0.5"])
    doc = json.loads(text)
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    row = doc["rows"][0]
    assert set(row) == {
        "task",
        "attack",
        "mitigation",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "model",
        "details",
    }
    assert doc["gates"][0]["status"] == "fail"


def test_comparison_of_two_runs_validates_and_a_broken_row_does_not(zoo_scan):
    doc = json.loads(build_report([zoo_scan, zoo_scan], ReportFormat.json)[0])
    validator = jsonschema.Draft202012Validator(report_schema())
    validator.validate(doc)
    first = doc["comparison"][0]["runs"]
    assert first[1]["delta"] == 0.0 or first[1]["delta"] is None
    del doc["rows"][0]["n"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)
