"""`make demo` end to end at a small sample count: every pillar scanned, a mitigation beside
each baseline, one HTML report whose path is printed (then the top findings, as `scan` prints
them), and every metric row as it was before the architecture refactor (tests/golden)."""

import json

import pytest
from golden_rows import assert_rows_match_golden
from typer.testing import CliRunner

from vlmtrust.cli.main import app


# the demo fine-tunes two mitigations with their full default specs (outlier_exposure and
# knowledge_sanitization, about a minute of CPU): by the project's rule, the slow tail
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_demo_scans_every_pillar_and_writes_the_html_report(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--limit", "12"])
    assert result.exit_code == 0, result.output
    report = out / "report.html"
    assert f"report written to {report}" in result.stdout
    # then the worst findings of both scans, as `vlmtrust scan` ends (report/console.py)
    shown = result.stdout.split(f"report written to {report}", 1)[1]
    doc = json.loads((out / "report.json").read_text())
    found = len(doc["findings"])
    assert f"findings (top {min(5, found)} of {found}, worst first):" in shown
    assert doc["findings"][0]["statement"] in shown
    html = report.read_text()
    for task in ("fairness.retrieval_skew", "safety.jailbreak", "privacy.memorization"):
        assert f'id="task-{task}"' in html
    assert "no tasks run" not in html
    assert "output_guard" in html and "pbm" in html
    assert_rows_match_golden(doc["rows"], "demo_limit12")


PLANTED = {
    # task: (rule, the mitigations expected to fix it: the finding names one of them)
    "fairness.retrieval_skew": ("retrieval_skew", {"pbm"}),
    "safety.jailbreak": ("jailbreak", {"guard"}),
    "safety.toxicity": ("persona_toxicity", {"output_guard", "knowledge_sanitization"}),
    "privacy.memorization": ("memorised_canaries", {"knowledge_sanitization"}),
    "robustness.ood": ("ood_detection", {"outlier_exposure"}),
}


#: the utility rows of the planted-flaw test's clip scan (retrieval skew and OOD)
PBM_UTILITY = ("accuracy", "auroc_msp", "auroc_max_logit", "auroc_energy", "auroc_mcm")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_demos_planted_flaws_become_ranked_findings_in_every_format(tmp_path):
    """The demo's models at small sizes (the retrieval skew at the 500 images its statistic
    needs): each planted flaw is a finding with a severity, its evidence and what fixed it,
    and the console, JSON, Markdown and HTML show the same findings, HTML first."""
    clip, assistant = tmp_path / "clip", tmp_path / "assistant"
    scans = (
        [
            ["--model", "zoo:clip", "--task", "fairness.retrieval_skew:pairs=250"],
            ["--task", "robustness.ood", "--mitigate", "pbm,outlier_exposure", "--out", str(clip)],
        ],
        [
            ["--model", "zoo:assistant", "--task", "safety.jailbreak", "--task", "safety.toxicity"],
            ["--task", "privacy.memorization", "--limit", "8"],
            ["--mitigate", "output_guard,guard,knowledge_sanitization"],
            ["--out", str(assistant)],
        ],
    )
    outputs = []
    for parts in scans:
        result = CliRunner().invoke(app, ["scan", *[a for p in parts for a in p]])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "findings (top 2 of 2, worst first):" in outputs[0]
    assert "findings (top 3 of 3, worst first):" in outputs[1]
    assert "[critical] Typographic jailbreak: figstep gets asr 100%" in outputs[1]

    doc = json.loads(
        CliRunner().invoke(app, ["report", str(clip), str(assistant), "--format", "json"]).stdout
    )
    findings = {f["task"]: f for f in doc["findings"]}
    assert set(PLANTED) <= set(findings)
    for task, (rule, fixers) in PLANTED.items():
        found = findings[task]
        assert found["rule"] == rule and found["severity"] in ("critical", "high", "medium")
        assert found["evidence"] and found["anchors"] == [f"#task-{task}", f"#gallery-{task}"]
        # each planted flaw: fixed, with the paired effect on the same samples
        assert found["fixed_by"] in fixers, found["fix"]
        assert found["fix"].startswith(f"{found['fixed_by']}: {found['metric']} "), found["fix"]
        assert ", paired " in found["fix"], found["fix"]
    assert findings["fairness.retrieval_skew"]["fix"].startswith("pbm: maxskew@10 ")
    assert "toxic_rate 100% -> 0%, paired " in findings["safety.toxicity"]["fix"]
    assert "output_guard" in findings["safety.toxicity"]["fix"]
    # each fix's cost: the assistant scan measured no utility row, the clip scan its OOD AUROC
    # and the retrieval pool's accuracy (metrics/utility.py)
    assert findings["safety.toxicity"]["fix_cost"]["text"] == "no utility row measured"
    cost = findings["fairness.retrieval_skew"]["fix_cost"]
    assert cost["row"].split("/")[2:] in (["pbm", m, "zoo:clip"] for m in PBM_UTILITY), cost
    assert any(v.startswith("safety: critical") for v in doc["verdicts"])

    markdown = CliRunner().invoke(app, ["report", str(clip), str(assistant)]).stdout
    assert f"; cost: {cost['text']}" in markdown
    assert markdown.index("## Findings") < markdown.index("## zoo:clip")
    for i, found in enumerate(doc["findings"], 1):
        assert f"{i}. **{found['severity']}** {found['statement']}" in markdown

    html = CliRunner().invoke(app, ["report", str(clip), str(assistant), "--format", "html"])
    page = html.stdout
    assert page.index("</h1>") < page.index('<section id="findings">') < page.index("<p")
    for task in PLANTED:
        assert f'href="#gallery-{task}"' in page and f'id="gallery-{task}"' in page
