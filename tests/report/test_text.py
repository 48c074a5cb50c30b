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
