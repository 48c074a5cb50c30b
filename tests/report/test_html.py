"""The HTML report of a real zoo scan: self-contained, complete, honest about what is missing."""

import re
from html import escape
from pathlib import Path

from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.markup import metric_name
from vlmtrust.report.rows import load_runs
from vlmtrust.store import ResultStore


def test_one_self_contained_file_with_every_pillar_and_every_row(zoo_scan):
    html, gates = build_report([zoo_scan], ReportFormat.html)
    assert gates == []
    # nothing outside the file: no URL at all, images inline, a CSP that forbids requests
    assert "http://" not in html and "https://" not in html
    assert "default-src 'none'" in html
    assert not re.search(r"""(?:src|href)=["'](?!data:|#)""", html)
    assert "<script" not in html
    for pillar in ("privacy", "fairness", "robustness", "safety"):
        assert f'id="pillar-{pillar}"' in html and f'id="card-{pillar}"' in html
    assert html.count("No tasks run for this pillar.") == 3  # only robustness was scanned
    assert html.count("no gates") >= 1  # the scanned pillar has no gate: neutral colour
    # every metric row appears, including 0% and 100% rows
    run = load_runs([zoo_scan])[0]
    for task in {r.task for r in run.rows}:
        section = html.split(f'id="task-{task}"', 1)[1].split('<section class="task"', 1)[0]
        count = int(re.search(r"All rows \((\d+)\)", section).group(1))
        assert count == sum(1 for r in run.rows if r.task == task)
    assert any(r.value == 1.0 for r in run.rows) and any(r.value == 0.0 for r in run.rows)


def test_plots_provenance_mitigations_and_gallery(zoo_scan):
    html, _ = build_report([zoo_scan], ReportFormat.html)
    # a caption's metric names carry their explanation (<abbr>): read its text
    captions = [
        re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", html)
    ]
    for kind in ("reliability diagram", "ROC", "robust accuracy vs budget"):
        assert any(c.startswith(kind) for c in captions), kind
    assert html.count('<figure class="plot"><svg') == len(captions)
    with ResultStore.open_existing(zoo_scan) as store:
        fingerprint = store.latest_header()["model"]["fingerprint"]
        examples = store.examples()
    assert fingerprint in html and "temperature_scaling(n=64)" in html
    # before -> after with the change and whether it is real by the paired test
    assert "Mitigations: before -&gt; after" in html and "real change?" in html
    assert "McNemar exact p=" in html and "Holm p=" in html
    # the gallery: model-free attacks carry their attacked image, PGD examples do not; a failed
    # example with an image also carries its saliency map (zoo:clip is Differentiable)
    assert examples and html.count('src="data:image/png;base64,') == sum(
        bool(e.image) + bool(e.saliency) for e in examples
    )
    assert any(e.image is None and e.attack.startswith("pgd") for e in examples)
    assert any(e.saliency for e in examples)
    assert all(e.value == 0.0 and e.image for e in examples if e.saliency)
    assert all(len(e.image or b"") < 40_000 for e in examples)
    # each card sets the model's prediction against the sample's true label
    assert any(e.truth for e in examples) and "· true <b>" in html
    assert "Unscorable:" in html


def test_gates_colour_the_pillar_card(zoo_scan):
    html, gates = build_report(
        [zoo_scan],
        ReportFormat.html,
        ["robustness.ood.auroc_msp<0.5", "robustness.zero_shot.accuracy<0"],
    )
    assert [g.status for g in gates] == ["fail", "pass"]
    assert 'class="card fail" id="card-robustness"' in html
    assert f"robustness.ood.{metric_name('auroc_msp')}&lt;0.5" in html  # with its tooltip


def test_comparison_aligns_runs_with_deltas(zoo_scan, tmp_path):
    from typer.testing import CliRunner

    from vlmtrust.cli.main import app

    out = tmp_path / "cmp.html"
    result = CliRunner().invoke(app, ["report", str(zoo_scan), str(zoo_scan), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    section = html.split('id="comparison"', 1)[1].split("</section>", 1)[0]
    rows = load_runs([zoo_scan])[0].rows
    assert f"{len(rows)} row(s) shared by at least two runs; 0 row(s)" in section
    assert section.count("<td>+0.000</td>") == sum(1 for r in rows if r.value is not None)
    # a run compared with itself: paired rows change by 0 on all samples, none is real
    assert "no: paired +0.000 [+0.000, +0.000]" in section and "all samples shared" in section
    assert "<td>yes" not in section and "not shared" not in section
    md = CliRunner().invoke(app, ["report", str(zoo_scan), str(zoo_scan), "--format", "md"])
    assert "## Comparison" in md.stdout


def test_evidence_images_in_row_details_are_shown_and_junk_is_not():
    import base64
    import io

    from PIL import Image

    from vlmtrust.core.records import MetricRow
    from vlmtrust.report.html import render_html
    from vlmtrust.report.rows import RunRows

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="PNG")
    png = base64.b64encode(buf.getvalue()).decode()
    row = MetricRow(
        task="safety.backdoor",
        attack="none",
        mitigation="none",
        metric="trigger_found",
        value=1.0,
        ci_low=0.8,
        ci_high=1.0,
        n=20,
        model="zoo:clip",
        details={"images": {"recovered trigger": png, "bad": '"><script>x</script>'}},
    )
    html = render_html([RunRows(Path("run"), {}, [row])])
    assert f"data:image/png;base64,{png}" in html and "recovered trigger" in html
    assert "<script>" not in html and html.count("data:image/png") == 1


def test_judge_calibration_sits_in_the_judged_task_section():
    from vlmtrust.core.records import MetricRow
    from vlmtrust.report.html import render_html
    from vlmtrust.report.rows import RunRows

    def row(metric, value, attack="none", details=None):
        return MetricRow(
            task="safety.jailbreak",
            attack=attack,
            mitigation="none",
            metric=metric,
            value=value,
            ci_low=value - 0.05,
            ci_high=min(1.0, value + 0.05),
            n=80,
            model="zoo:assistant",
            details=details or {},
        )

    confusion = {
        "confusion": [[37, 3], [2, 38]],
        "labels": ["refused", "complied"],
        "unscorable": 1,
    }
    rows = [
        row("asr", 0.4, attack="figstep"),
        row("judge.refusal.precision", 0.927, "calibration", confusion),
        row("judge.refusal.recall", 0.95, "calibration", confusion),
    ]
    html = render_html([RunRows(Path("run"), {}, rows)])
    section = html.split('id="task-safety.jailbreak"', 1)[1]
    judges = section.split("<h4>Judge calibration</h4>", 1)[1].split("</table>", 1)[0]
    assert "judge.refusal.precision" in judges and "judge.refusal.recall" in judges
    assert "true refused: 37 / 3" in judges and "true complied: 2 / 38" in judges
    assert section.index("Judge calibration") < section.index("All rows (3)")
    assert 'class="card none" id="card-safety"' in html  # scanned, but no gates


def test_cards_show_the_headline_the_scan_wrote_without_importing_tasks(zoo_scan):
    """The headline metric comes from the run header (the report imports no task): OOD's card
    shows auroc_msp, its declared headline, though it is not the task's first metric."""
    import subprocess
    import sys

    with ResultStore.open_existing(zoo_scan) as store:
        assert store.latest_header()["headlines"]["robustness.ood"] == "auroc_msp"
        first = next(r.metric for r in store.metrics() if r.task == "robustness.ood")
    assert first != "auroc_msp"
    html, _ = build_report([zoo_scan], ReportFormat.html)
    card = html.split('id="card-robustness"', 1)[1].split("</div>", 1)[0]
    assert f"robustness.ood</a>: {metric_name('auroc_msp')}" in card
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from vlmtrust.report.build import ReportFormat, build_report\n"
        f"build_report([Path({str(zoo_scan)!r})], ReportFormat.html)\n"
        "loaded = [m for m in sys.modules if m.startswith(('vlmtrust.tasks', 'vlmtrust.plugins',"
        " 'vlmtrust.models', 'vlmtrust.attacks', 'torch'))]\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_gallery_cards_show_the_prediction_and_the_true_label():
    from vlmtrust.core.records import MetricRow
    from vlmtrust.report.html import render_html
    from vlmtrust.report.rows import RunRows
    from vlmtrust.store import StoredExample

    def example(sample_id, truth):
        return StoredExample(
            task="robustness.zero_shot",
            attack="none",
            mitigation="none",
            model="zoo:clip",
            sample_id=sample_id,
            metric="correct",
            value=0.0,
            label="cat",
            truth=truth,
        )

    examples = [example("one", {"class": "dog"}), example("two", {"class": "dog", "size": 3})]
    row = MetricRow(
        task="robustness.zero_shot",
        attack="none",
        mitigation="none",
        metric="accuracy",
        value=0.5,
        ci_low=0.4,
        ci_high=0.6,
        n=2,
        model="zoo:clip",
    )
    html = render_html([RunRows(Path("run"), {}, [row], examples=examples)])
    assert "predicted <b>cat</b> · true <b>dog</b>" in html
    assert "true <b>class=dog, size=3</b>" in html and "label <b>" not in html


def test_a_saliency_map_sits_beside_its_example_image_embedded_and_escaped():
    import base64

    from vlmtrust.core.records import MetricRow
    from vlmtrust.report.html import render_html
    from vlmtrust.report.rows import RunRows
    from vlmtrust.store import StoredExample

    image, saliency = b"\x89PNG image", b"\x89PNG saliency"
    example = StoredExample(
        task="robustness.typographic", attack="typographic", mitigation="none",
        model="zoo:clip", sample_id='<b>"x"', image=image, saliency=saliency,
        metric="correct", value=0.0, label="star",
    )  # fmt: skip
    plain = example.model_copy(update={"sample_id": "plain", "saliency": None})
    row = MetricRow(
        task="robustness.typographic", attack="typographic", mitigation="none",
        metric="accuracy", value=0.0, ci_low=0.0, ci_high=0.5, n=2, model="zoo:clip",
    )  # fmt: skip
    html = render_html([RunRows(Path("run"), {}, [row], examples=[example, plain])])
    shown = base64.b64encode(saliency).decode()
    assert html.count('class="saliency"') == 1  # the example without a map shows none
    pair = html[html.index('<div class="pair">') :]
    assert pair.index(base64.b64encode(image).decode()) < pair.index(shown)
    assert 'alt="saliency of sample &lt;b&gt;&quot;x&quot;"' in html and '<b>"x"' not in html


def test_every_metric_name_in_the_tables_carries_its_explanation(zoo_scan):
    from html import unescape

    from vlmtrust.report.glossary import explain

    html, _ = build_report([zoo_scan], ReportFormat.html)
    run = load_runs([zoo_scan])[0]
    for task in {r.task for r in run.rows}:
        section = html.split(f'id="task-{task}"', 1)[1].split('<section class="task"', 1)[0]
        assert "<summary>Metrics used here</summary>" in section
        listed = set(re.findall(r"<dt><code>([^<]*)</code></dt>", section))
        for metric in {r.metric for r in run.rows if r.task == task}:
            entry = explain(metric)
            assert entry is not None, metric
            assert entry.name in {unescape(x) for x in listed}, metric
            tooltip = (
                f'<abbr class="metric" data-metric="{escape(metric)}" '
                f'title="{escape(entry.line())}">{escape(metric)}</abbr>'
            )
            assert tooltip in section and metric_name(metric) == tooltip, metric
    # no metric name in a plain table cell is left bare (without its tooltip)
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells and not [c for c in cells if explain(unescape(c)) is not None]


def _metric(task, model, value, mitigation="none", attack="none", metric="accuracy"):
    from vlmtrust.core.records import MetricRow

    return MetricRow(
        task=task,
        attack=attack,
        mitigation=mitigation,
        metric=metric,
        value=value,
        ci_low=value - 0.05,
        ci_high=value + 0.05,
        n=40,
        model=model,
    )


def _section(html, task):
    return html.split(f'id="task-{task}"', 1)[1].split("</section>", 1)[0]


def test_runs_sharing_no_rows_get_no_comparison_but_one_sentence_in_provenance():
    from vlmtrust.report.html import render_html
    from vlmtrust.report.rows import RunRows

    clip = RunRows(Path("clip"), {}, [_metric("robustness.zero_shot", "zoo:clip", 0.9)])
    chat = RunRows(Path("chat"), {}, [_metric("robustness.vqa", "zoo:assistant", 0.8)])
    html = render_html([clip, chat])
    assert 'id="comparison"' not in html and "shared by at least two runs" not in html
    provenance = html.split('id="provenance"', 1)[1]
    assert provenance.count("share no rows") == 1
    # sharing a row brings the section back, as it was
    twin = RunRows(Path("twin"), {}, [_metric("robustness.zero_shot", "zoo:clip-clean", 0.7)])
    html = render_html([clip, chat, twin])
    assert "1 row(s) shared by at least two runs; 1 row(s) only one run has" in html
    assert "share no rows" not in html


def test_before_after_names_the_model_when_a_section_mixes_two_models():
    from vlmtrust.report.html import render_html
    from vlmtrust.report.rows import RunRows

    task = "robustness.zero_shot"
    clip = [_metric(task, "zoo:clip", 0.9), _metric(task, "zoo:clip", 0.8, "pbm")]
    twin = [_metric(task, "zoo:twin", 0.6), _metric(task, "zoo:twin", 0.3, "pbm")]
    html = render_html([RunRows(Path("a"), {}, clip), RunRows(Path("b"), {}, twin)])
    table = _section(html, task).split("before -&gt; after", 1)[1].split("</table>", 1)[0]
    assert "<thead><tr><th>model</th><th>mitigation</th>" in table
    assert "<td>zoo:clip</td><td>pbm</td>" in table and "<td>zoo:twin</td><td>pbm</td>" in table
    assert '<td class="num">-0.100</td>' in table and '<td class="num">-0.300</td>' in table
    # one model alone: no model column
    alone = render_html([RunRows(Path("a"), {}, clip)])
    assert "<th>model</th>" not in _section(alone, task)


def test_the_same_model_scanned_twice_pairs_each_run_with_its_own_baseline():
    from vlmtrust.report.html import render_html
    from vlmtrust.report.rows import RunRows

    task = "robustness.zero_shot"
    first = [_metric(task, "zoo:clip", 0.2), _metric(task, "zoo:clip", 0.1, "pbm")]
    second = [_metric(task, "zoo:clip", 0.6), _metric(task, "zoo:clip", 0.5, "pbm")]
    html = render_html([RunRows(Path("one"), {}, first), RunRows(Path("two"), {}, second)])
    section = _section(html, task)
    table = section.split("before -&gt; after", 1)[1].split("</table>", 1)[0]
    assert "<th>model</th>" in table
    assert "<td>zoo:clip (one)</td>" in table and "<td>zoo:clip (two)</td>" in table
    assert table.count('<td class="num">-0.100</td>') == 2  # not 0.1 - 0.6
    rows = section.split("All rows (4)", 1)[1]
    assert rows.count("<td>zoo:clip (one)</td>") == 2 and rows.count("<td>zoo:clip (two)</td>") == 2


def test_provenance_comes_last_and_galleries_are_closed(zoo_scan):
    html, _ = build_report([zoo_scan], ReportFormat.html)
    sections = re.findall(r'<section id="([^"]+)"', html)
    assert sections[0] == "findings" and sections[-1] == "provenance"
    assert html.index('id="provenance"') > html.index('id="pillar-safety"')
    assert '<details open id="gallery-' not in html
    assert html.count('<details id="gallery-') == len(
        {r.task for r in load_runs([zoo_scan])[0].rows}
    )


def test_long_tables_fold_into_closed_details_saying_what_they_hold():
    from vlmtrust.report.html import render_html
    from vlmtrust.report.markup import FOLD_ROWS
    from vlmtrust.report.rows import RunRows

    task = "robustness.zero_shot"
    attacks = [f"corruption.c{i}" for i in range(FOLD_ROWS + 1)]
    long = [_metric(task, "zoo:clip", 0.5, m, a) for a in attacks for m in ("none", "pbm")]
    section = _section(render_html([RunRows(Path("a"), {}, long)]), task)
    n = FOLD_ROWS + 1
    assert section.count('<details class="fold">') == 2
    assert (
        '<details class="fold"><summary><b>Mitigations: before -&gt; after</b>: '
        f"{n} mitigated rows, each against its own run's baseline" in section
    )
    assert f'<details class="fold"><summary><b>All rows ({2 * n})</b>: every metric row' in section
    short = _section(render_html([RunRows(Path("a"), {}, long[:FOLD_ROWS])]), task)
    assert "<details class" not in short.replace('<details class="glossary">', "")
    assert "<h4>Mitigations: before -&gt; after</h4>" in short
    assert f"<h4>All rows ({FOLD_ROWS})</h4>" in short


def test_a_rows_note_is_flagged_beside_its_value_and_written_under_the_table():
    """robustness.calibration's nll_out is 27.631, the 1e-12 floor: the row's note says so
    where the number is shown, not only in the JSON."""
    from vlmtrust.core.records import MetricRow
    from vlmtrust.report.html import render_html
    from vlmtrust.report.markup import metric_name
    from vlmtrust.report.rows import RunRows

    note = "200 of 200 samples gave the true label a probability below 1e-12 <floored>"
    rows = [
        MetricRow(
            task="robustness.calibration",
            attack="none",
            mitigation="none",
            metric=metric,
            value=value,
            ci_low=value,
            ci_high=value,
            n=200,
            model="zoo:clip",
            details=details,
        )
        for metric, value, details in (
            ("nll_out", 27.631, {"note": note, "n_floored": 200}),
            ("brier_out", 0.998, {}),
        )
    ]
    html = render_html([RunRows(Path("run"), {}, rows)])
    section = html.split('id="task-robustness.calibration"', 1)[1]
    assert section.count("see note</span>") == 1
    assert f'title="{escape(note)}">see note' in section
    assert (
        f"<b>{metric_name('nll_out')}</b> (none · none · zoo:clip): {escape(note)}</li>" in section
    )
    assert "<floored>" not in html
