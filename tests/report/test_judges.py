"""Judge-calibration rows (the judge measuring itself) appear once per task, not per mitigation."""

from pathlib import Path

from vlmtrust.core.records import MetricRow
from vlmtrust.report.html import render_html
from vlmtrust.report.judges import judge_rows
from vlmtrust.report.rows import RunRows
from vlmtrust.report.text import to_markdown

MITIGATIONS = ("none", "output_guard", "system_prompt")


def _row(metric, value, attack, mitigation, n=80):
    return MetricRow(
        task="safety.jailbreak",
        attack=attack,
        mitigation=mitigation,
        metric=metric,
        value=value,
        ci_low=value - 0.05,
        ci_high=min(1.0, value + 0.05),
        n=n,
        model="zoo:assistant",
        details={"confusion": [[37, 3], [2, 38]], "labels": ["refused", "complied"]},
    )


def _scan(judge_n=lambda mitigation: 80):
    rows = []
    for m in MITIGATIONS:
        rows.append(_row("asr", 0.4 if m == "none" else 0.1, "figstep", m))
        rows.append(_row("judge.refusal.precision", 0.927, "calibration", m, judge_n(m)))
    return rows


def test_identical_copies_collapse_to_the_none_row():
    shown = judge_rows(_scan())
    assert [r.mitigation for r in shown.rows] == ["none"] and not shown.by_mitigation
    differing = judge_rows(_scan(lambda m: 80 if m == "none" else 79))
    assert differing.by_mitigation and len(differing.rows) == 3


def test_html_shows_the_judge_once_and_keeps_it_out_of_before_after():
    html = render_html([RunRows(Path("run"), {}, _scan())])
    section = html.split('id="task-safety.jailbreak"', 1)[1]
    judges = section.split("<h4>Judge calibration</h4>", 1)[1].split("</table>", 1)[0]
    assert judges.count(">judge.refusal.precision</abbr>") == 1
    assert "<th>mitigation</th>" not in judges
    before_after = section.split("before -&gt; after", 1)[1].split("</table>", 1)[0]
    assert "judge." not in before_after and before_after.count(">asr</abbr>") == 2
    assert "All rows (4)" in section  # 3 asr rows + 1 judge row, not 3 judge copies


def test_html_adds_a_mitigation_column_when_copies_differ():
    html = render_html([RunRows(Path("run"), {}, _scan(lambda m: 80 if m == "none" else 79))])
    judges = html.split("<h4>Judge calibration</h4>", 1)[1].split("</table>", 1)[0]
    assert judges.count(">judge.refusal.precision</abbr>") == 3 and ">mitigation<" in judges


def test_markdown_shows_the_judge_once_in_its_own_table():
    md = to_markdown([RunRows(Path("run"), {"model": {"name": "zoo:assistant"}}, _scan())])
    assert md.count("judge.refusal.precision") == 1
    table = md.split("### Judge calibration", 1)[1].split("\n\n", 2)[2]
    assert table.startswith("| task | judge metric | value | 95% CI | n |")
    assert "| safety.jailbreak | judge.refusal.precision | 0.927 | [0.877, 0.977] | 80 |" in table
