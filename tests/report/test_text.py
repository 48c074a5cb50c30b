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


def _run(name, task, model):
    from pathlib import Path

    from vlmtrust.core.records import MetricRow
    from vlmtrust.report.rows import RunRows

    row = MetricRow(
        task=task, attack="none", mitigation="none", metric="accuracy", value=0.5,
        ci_low=0.4, ci_high=0.6, n=40, model=model,
    )  # fmt: skip
    header = {"model": {"name": model, "fingerprint": f"{name}-fingerprint"}, "seed": 0}
    return RunRows(Path(name), header, [row])


def test_provenance_comes_last_and_no_comparison_when_runs_share_no_rows():
    from vlmtrust.report.text import to_markdown

    clip = _run("clip", "robustness.zero_shot", "zoo:clip")
    chat = _run("chat", "robustness.vqa", "zoo:assistant")
    md = to_markdown([clip, chat])
    assert "## Comparison" not in md and "shared by at least two runs" not in md
    provenance = md.split("\n## Provenance\n", 1)[1]
    assert "\n## " not in provenance  # the last section
    assert provenance.count("share no rows") == 1
    assert "`clip-fingerprint`" in provenance and "`chat-fingerprint`" in provenance
    assert md.index("## Findings") < md.index("## zoo:clip (clip)") < md.index("## Provenance")
    # a shared row keeps the comparison, before provenance
    twin = _run("twin", "robustness.zero_shot", "zoo:clip-clean")
    md = to_markdown([clip, chat, twin])
    assert md.index("## Comparison") < md.index("## Provenance")
    assert "1 row(s) shared by at least two runs" in md and "share no rows" not in md


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
