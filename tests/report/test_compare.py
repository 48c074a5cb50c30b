"""Run comparisons pair by sample id: three real scans (zoo:clip and its clean twin at
--limit 12, the twin again at --limit 20) compared with the first, each later run's paired
p equal to ``paired_change`` on the stored terms and Holm-adjusted across that run's rows;
partly matching samples are counted; rows without terms, or sharing no sample, are compared
unpaired and say so."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.paired import PairedTerms, holm, paired_change
from vlmtrust.report.build import ReportFormat, build_report
from vlmtrust.report.compare import shared
from vlmtrust.report.rows import RunRows
from vlmtrust.report.terms import load_terms
from vlmtrust.report.text import report_schema
from vlmtrust.runner import run

TASKS = (
    Spec(name="robustness.zero_shot", params={"corruptions": ["gaussian_noise"]}),
    Spec(name="robustness.calibration"),
)


def _scan(root: Path, model: str, limit: int) -> Path:
    out = root / f"{model.replace(':', '_')}_{limit}"
    run(RunConfig(model=model, tasks=TASKS, out=out, limit=limit, show_progress=False))
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("compare")
    return (
        _scan(root, "zoo:clip", 12),
        _scan(root, "zoo:clip-clean", 12),
        _scan(root, "zoo:clip-clean", 20),
    )


@pytest.fixture(scope="module")
def doc(runs) -> dict:
    report = json.loads(build_report(list(runs), ReportFormat.json)[0])
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    return report


def _key(row: dict) -> tuple[str, str, str, str]:
    return row["task"], row["attack"], row["mitigation"], row["metric"]


def test_paired_p_is_paired_change_on_the_stored_terms_whatever_the_models(runs, doc):
    stored = [
        {k[:4]: t for k, t in load_terms([r]).items() if k[4] == m}
        for r, m in zip(runs, ("zoo:clip", "zoo:clip-clean", "zoo:clip-clean"), strict=True)
    ]
    tests = set()
    for row in doc["comparison"]:
        for index in (1, 2):
            cell = row["runs"][index]
            before, after = stored[0].get(_key(row)), stored[index].get(_key(row))
            if before is None or after is None:
                assert cell["paired"] is None
                continue
            expected = paired_change(before, after)
            assert expected is not None
            paired = cell["paired"]
            assert paired["p_value"] == expected.p_value
            assert paired["difference"] == pytest.approx(expected.difference)
            assert (paired["ci_low"], paired["ci_high"]) == (expected.ci_low, expected.ci_high)
            assert paired["test"] == expected.test and paired["n_pairs"] == expected.n_pairs
            assert cell["unpaired"] is None and cell["real"] == (paired["p_holm"] < 0.05)
            tests.add(paired["test"])
    assert tests == {"McNemar exact", "sign-flip permutation"}


def test_samples_that_only_partly_match_are_counted_and_said(doc):
    for row in doc["comparison"]:
        same, more = row["runs"][1], row["runs"][2]
        if more["paired"] is None:
            continue
        assert (same["paired"]["unshared"], same["paired"]["samples"]) == (0, 12)
        assert same["verdict"].endswith("12 pairs; all samples shared")
        assert (more["paired"]["n_pairs"], more["paired"]["unshared"]) == (12, 8)
        assert more["paired"]["samples"] == 20
        assert more["verdict"].endswith("12 pairs; 8 of 20 samples not shared")


def test_a_row_without_terms_is_compared_unpaired_and_says_so(doc):
    ece = next(r for r in doc["comparison"] if r["metric"] == "ece_out")
    for cell in ece["runs"][1:]:
        assert cell["paired"] is None and cell["unpaired"] == "no per-sample terms"
        assert cell["real"] == cell["separates"]
        shown = "yes" if cell["separates"] else "not shown"
        seen = "separate" if cell["separates"] else "overlap"
        assert cell["verdict"] == (
            f"{shown} (unpaired, no per-sample terms: the 95% intervals {seen})"
        )
    assert ece["runs"][0]["verdict"] is None  # the reference is not compared with itself


def test_holm_adjusts_across_the_rows_of_each_later_runs_comparison(doc):
    for index in (1, 2):
        tested = [r["runs"][index]["paired"] for r in doc["comparison"]]
        tested = [p for p in tested if p is not None]
        assert len(tested) > 5
        assert [p["p_holm"] for p in tested] == holm([p["p_value"] for p in tested])
    # the limit-20 run's brier_out changes for real (clean twin vs backdoored clip)
    real = {_key(r): r["runs"][2]["real"] for r in doc["comparison"]}
    assert real[("robustness.calibration", "none", "none", "brier_out")] is True


def test_markdown_and_html_say_the_paired_verdict(runs, tmp_path):
    md = build_report(list(runs), ReportFormat.md)[0]
    section = md.split("## Comparison", 1)[1]
    assert "| real change? |" in section and "8 of 20 samples not shared" in section
    assert "McNemar exact p=" in section and "(unpaired, no per-sample terms:" in section
    html = build_report(list(runs), ReportFormat.html)[0]
    section = html.split('id="comparison"', 1)[1].split("</section>", 1)[0]
    assert "<th>real change?</th>" in section and "Holm p=" in section
    assert "8 of 20 samples not shared" in section and "(unpaired, no per-sample terms:" in section


def _run(name: str, ids: list[str], ci: tuple[float, float]) -> RunRows:
    row = MetricRow(
        task="t.x", attack="none", mitigation="none", metric="acc", value=0.5,
        ci_low=ci[0], ci_high=ci[1], n=len(ids), model=name,
    )  # fmt: skip
    terms = {("t.x", "none", "none", "acc", name): PairedTerms("binary", dict.fromkeys(ids, 1.0))}
    return RunRows(Path(name), {"model": {"name": name}}, [row], terms=terms)


def test_runs_sharing_too_few_samples_fall_back_to_unpaired_and_say_why():
    ref = _run("a", ["s1", "s2", "s3"], (0.1, 0.2))
    none_shared = shared(
        [ref, _run("b", ["s4", "s5"], (0.3, 0.4)), _run("c", ["s3", "s9"], (0.15, 0.4))]
    )
    item = none_shared[0][0]
    assert item.change(1).paired is None and item.change(1).real is True
    assert item.change(1).verdict() == (
        "yes (unpaired, no shared samples: the 95% intervals separate)"
    )
    assert item.change(2).verdict() == (
        "not shown (unpaired, only 1 of 4 samples shared: the 95% intervals overlap)"
    )
