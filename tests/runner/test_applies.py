"""A mitigation variant runs only under the tasks it can act on: ``pbm`` adds ``predict_groups``,
which only the retrieval skew asks for, so the demo's zoo:clip scan stores no pbm results for
its other tasks, and the header, the console, every report format and the findings say why."""

from __future__ import annotations

import json

import jsonschema
import pytest
from rich.console import Console

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.demo import DEMO_SCANS
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.text import report_schema
from vlmtrust.runner import run
from vlmtrust.runner.applies import cannot_act
from vlmtrust.store import ResultStore
from vlmtrust.tasks.base import build_task

CLEAN = [build_attack(Spec(name="none"))]


def _idle(task: str, variant: str, attacks=CLEAN):
    specs = tuple(Spec(name=part) for part in variant.split("+"))
    return cannot_act(build_task(Spec(name=task)), attacks, specs, "zoo:clip")


def test_a_wrapper_acts_only_where_the_task_calls_what_it_changes():
    idle = _idle("robustness.calibration", "pbm")
    assert idle is not None
    assert idle.why == "pbm changes predict_groups; robustness.calibration calls classify"
    assert idle.line() == (
        "not run: pbm cannot act on this task (it changes predict_groups; the task calls classify)"
    )
    assert _idle("fairness.retrieval_skew", "pbm") is None  # its hook: predict_groups
    assert _idle("robustness.ood", "debias_projection") is None  # MCM reads encode_text
    assert _idle("privacy.attribute_inference", "temperature_scaling") is not None  # logits
    assert _idle("safety.jailbreak", "output_guard") is None  # a measured null effect: kept


def test_attacks_trainers_and_combinations_count():
    pgd = [build_attack(Spec(name="pgd"))]
    # ocr_mask leaves pixel_logits alone; temperature scaling divides it
    assert _idle("privacy.gradient_inversion", "ocr_mask") is not None
    assert _idle("privacy.gradient_inversion", "temperature_scaling") is None
    assert _idle("robustness.attribute_binding", "temperature_scaling", pgd) is None
    assert _idle("robustness.calibration", "pbm+temperature_scaling") is None
    assert _idle("robustness.calibration", "pgd_at") is None  # new weights change everything
    assert cannot_act(build_task(Spec(name="robustness.calibration")), CLEAN, (), "m") is None


@pytest.fixture(scope="module")
def demo_clip(tmp_path_factory):
    """The demo's clip scan with pbm alone: its other mitigation, outlier_exposure, tunes the
    tower and so acts on every task."""
    model, tasks, mitigations, _ = DEMO_SCANS[0]
    assert "pbm" in mitigations
    out = tmp_path_factory.mktemp("applies") / "clip"
    console = Console(record=True, width=300)
    config = RunConfig(
        model=model, tasks=tasks, mitigations=("pbm",), out=out, limit=6, show_progress=False
    )
    summary = run(config, console)
    return out, summary, console.export_text()


def test_the_demo_scan_stores_no_pbm_results_where_pbm_cannot_act(demo_clip):
    out, summary, console = demo_clip
    with ResultStore.open_existing(out) as store:
        header = store.latest_header()
        rows = store.metrics()
    pbm = {r.task for r in rows if r.mitigation == "pbm"}
    assert pbm == {"fairness.retrieval_skew"}
    assert {r.task for r in rows if r.mitigation == "none"} == {t.name for t in DEMO_SCANS[0][1]}
    idle = {e["task"]: e for e in header["not_run"]}
    assert set(idle) == {
        "robustness.zero_shot",
        "robustness.calibration",
        "robustness.ood",
        "privacy.attribute_inference",
    }
    assert idle["robustness.calibration"]["why"] == (
        "pbm changes predict_groups; robustness.calibration calls classify"
    )
    lines = [line for line in console.splitlines() if line.startswith("not run")]
    assert lines == [
        "not run pbm on robustness.zero_shot, robustness.calibration, robustness.ood, "
        "privacy.attribute_inference: it changes only predict_groups, which these tasks never call"
    ]
    ood = next(f for f in summary.findings if f.task == "robustness.ood")
    assert ood.fix.startswith("no mitigation in this run acts on this task (pbm changes ")


def test_every_report_format_says_not_run_instead_of_rows(demo_clip):
    out, _, _ = demo_clip
    line = (
        "not run: pbm cannot act on this task (it changes predict_groups; the task calls classify)"
    )
    markdown = build_report([out], ReportFormat.md)[0]
    assert f"- robustness.calibration: {line}" in markdown
    assert "| robustness.calibration | pbm |" not in markdown
    html = build_report([out], ReportFormat.html)[0]
    calibration = html.split('id="task-robustness.calibration"')[1].split('<section class="task"')[
        0
    ]
    assert line in calibration and ">pbm<" not in calibration
    doc = json.loads(build_report([out], ReportFormat.json)[0])
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    assert doc["runs"][0]["header"]["not_run"] == doc["not_run"]
    assert {(e["task"], e["mitigation"]) for e in doc["not_run"]} >= {
        ("robustness.calibration", "pbm")
    }
    assert not [
        r
        for r in doc["rows"]
        if r["mitigation"] == "pbm" and r["task"] != "fairness.retrieval_skew"
    ]


def test_a_wrapper_that_changes_generate_changes_conversations_too():
    from vlmtrust.runner.applies import changed_members

    changed = changed_members([Spec(name="safety_prompt")])
    assert changed is not None and {"generate", "chat"} <= changed
