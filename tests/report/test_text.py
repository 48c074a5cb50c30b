"""The Markdown report of a real zoo scan explains each task's metrics from the glossary."""

from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.glossary import explain
from vlmtrust.report.rows import load_runs


def test_each_task_has_a_metrics_list_explaining_its_rows(zoo_scan):
    md, _ = build_report([zoo_scan], ReportFormat.md)
    run = load_runs([zoo_scan])[0]
    for task in {r.task for r in run.rows}:
        section = md.split(f"### Metrics: {task}\n", 1)[1].split("\n\n", 1)[0]
        for metric in {r.metric for r in run.rows if r.task == task}:
            entry = explain(metric)
            assert entry is not None, metric
            assert f"- `{entry.name}`: {entry.measures}. **{entry.bad}**" in section, metric


def test_a_rows_note_is_flagged_in_the_table_and_written_under_it():
    from pathlib import Path

    from vlmtrust.core.records import MetricRow
    from vlmtrust.report.rows import RunRows
    from vlmtrust.report.text import to_markdown

    note = "200 of 200 samples gave the true label a probability below 1e-12"
    row = MetricRow(
        task="robustness.calibration",
        attack="none",
        mitigation="none",
        metric="nll_out",
        value=27.631,
        ci_low=27.631,
        ci_high=27.631,
        n=200,
        model="zoo:clip",
        details={"note": note},
    )
    md = to_markdown([RunRows(Path("run"), {}, [row])])
    assert "| nll_out | 27.631 (see note) | [27.631, 27.631] | 200 |" in md
    assert f"- note on robustness.calibration `nll_out` (none · none): {note}" in md
