"""The findings section in every format shows a fix with its cost, and a finding without a
cost (no mitigation helped, or a store older than costs) as its fix alone."""

from vlmtrust.core.records import Finding, FixCost
from vlmtrust.report.console import top_findings
from vlmtrust.report.findings import findings_html, findings_markdown, fix_text

COST = "robustness.vqa accuracy 1.000 -> 1.000, +0.000 [+0.000, +0.000]"


def _finding(cost: FixCost | None) -> Finding:
    return Finding(
        pillar="safety",
        task="safety.toxicity",
        metric="toxic_rate",
        attack="persona",
        model="zoo:m",
        severity="critical",
        rule="persona_toxicity",
        statement="Toxic replies under a persona: persona gets toxic_rate 100%",
        evidence=("safety.toxicity/persona/none/toxic_rate/zoo:m",),
        anchors=("#task-safety.toxicity", "#gallery-safety.toxicity"),
        fix="output_guard: toxic_rate 100% -> 0%, paired -1.000 [-1.000, -1.000], Holm p<0.001",
        fixed_by="output_guard",
        fix_cost=cost,
        distance=1.0,
    )


def test_a_fix_is_shown_with_its_cost_in_html_markdown_and_the_console():
    finding = _finding(FixCost(row="robustness.vqa/none/output_guard/accuracy/zoo:m", text=COST))
    expected = f"{finding.fix}; cost: {COST}"
    assert fix_text(finding) == expected
    by_pillar = {"safety": ["safety.toxicity"]}
    assert f"fix: {expected}" in "\n".join(findings_markdown([finding], by_pillar))
    html = findings_html([finding], by_pillar)
    assert "; cost: robustness.vqa" in html and "1.000 -&gt; 1.000" in html
    assert f"fix: {expected}" in top_findings([finding]).plain


def test_a_finding_without_a_cost_shows_its_fix_alone():
    finding = _finding(None)
    assert fix_text(finding) == finding.fix
    assert "cost:" not in top_findings([finding]).plain


def test_markdown_explains_every_metric_its_findings_name():
    from vlmtrust.report.glossary import explain

    finding = _finding(FixCost(row="robustness.vqa/none/output_guard/accuracy/zoo:m", text=COST))
    markdown = "\n".join(findings_markdown([finding], {"safety": ["safety.toxicity"]}))
    named = markdown.split("Metrics named above:", 1)[1]
    for metric in ("toxic_rate", "accuracy"):  # the finding's, and its fix's cost row's
        entry = explain(metric)
        assert entry is not None and f"- `{metric}`: {entry.line()}" in named
