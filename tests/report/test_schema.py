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


def test_a_finding_with_its_fix_cost_validates(zoo_scan):
    from vlmtrust.core.records import Finding, FixCost

    doc = json.loads(build_report([zoo_scan], ReportFormat.json)[0])
    cost = FixCost(
        row="robustness.vqa/none/guard/accuracy/zoo:m",
        before=1.0,
        after=0.9,
        change=-0.1,
        ci_low=-0.15,
        ci_high=-0.05,
        text="robustness.vqa accuracy 1.000 -> 0.900, -0.100 [-0.150, -0.050]",
    )
    finding = Finding(
        pillar="safety",
        task="safety.toxicity",
        metric="toxic_rate",
        attack="persona",
        model="zoo:m",
        severity="critical",
        rule="persona_toxicity",
        statement="Toxic replies under a persona",
        evidence=("safety.toxicity/persona/none/toxic_rate/zoo:m",),
        anchors=("#task-safety.toxicity", "#gallery-safety.toxicity"),
        fix="guard: toxic_rate 100% -> 0%",
        fixed_by="guard",
        fix_cost=cost,
        distance=1.0,
    )
    doc["findings"].append(finding.model_dump(mode="json"))
    validator = jsonschema.Draft202012Validator(report_schema())
    validator.validate(doc)
    doc["findings"][-1]["fix_cost"]["paired"] = True
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)
