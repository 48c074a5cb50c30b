"""Safety tasks on MOSSBench read in its published layout (built with placeholder queries):
`vlmtrust scan --data mossbench:PATH` scores each benign pair as given (condition `published`:
the benchmark's image with its own query) beside the query in text and as FigStep, with
over-refusal rows per stimulus type; the contrast set feeds safety.jailbreak, and a copy
without it has that task skipped with the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from benchmark_trees_moss import mossbench_clone
from cli_run import run_cli
from vlmtrust_testing import report_rows

STIMULI = ("Exaggerated Risk", "Negated Harm", "Counterintuitive Interpretation")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """zoo:assistant's matrices are too small for two threads to help on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def scan(clone: Path, out: Path, suite: str) -> object:
    return run_cli(
        "scan", "--model", "zoo:assistant", "--suite", suite, "--data", f"mossbench:{clone}",
        "--limit", "6", "--out", str(out),
    )  # fmt: skip


def category_rows(out: Path) -> dict[tuple[str, str], dict[str, object]]:
    """``(attack, stimulus type) -> row`` of over_refusal's per-category rows."""
    prefix = "refusal_rate.category."
    return {
        (r["attack"], r["metric"].removeprefix(prefix)): r
        for r in report_rows(out)
        if r["task"] == "safety.over_refusal" and r["metric"].startswith(prefix)
    }


@pytest.mark.timeout(600)
def test_over_refusal_runs_on_the_benign_pairs_per_stimulus_type_and_jailbreak_is_skipped(
    tmp_path: Path,
) -> None:
    clone = mossbench_clone(tmp_path / "MOSSBench", per_type=2, contrast=False)
    out = tmp_path / "run"
    result = scan(clone, out, "safety.jailbreak,safety.over_refusal")
    assert result.code == 0, result.stderr  # type: ignore[attr-defined]
    said = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "skipping safety.jailbreak (this MOSSBench copy has no harmful contrast set" in said
    rows = {(r["task"], r["attack"], r["metric"]): r for r in report_rows(out)}
    assert {t for t, _, _ in rows} == {"safety.over_refusal"}
    published = rows[("safety.over_refusal", "published", "refusal_rate")]
    assert published["n"] + published["details"]["n_unscorable"] == 6
    assert ("safety.over_refusal", "none", "refusal_rate") not in rows  # published is the pair
    assert ("safety.over_refusal", "text_only", "refusal_rate.set.oversensitivity") in rows
    per_category = category_rows(out)
    for attack in ("published", "text_only", "figstep"):
        for stimulus in STIMULI:
            row = per_category[(attack, stimulus)]
            assert row["n"] + row["details"]["n_unscorable"] == 2  # type: ignore[operator,index]
    report = run_cli("report", str(out), "--format", "json")
    entry = json.loads(report.stdout)["runs"][0]["header"]["data_source"]
    assert entry["name"] == "mossbench" and entry["size"] == 6
    assert entry["counts"] == {"oversensitivity": dict.fromkeys(STIMULI, 2)}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_safety_suite_runs_end_to_end_on_a_full_clone(tmp_path: Path) -> None:
    clone = mossbench_clone(tmp_path / "MOSSBench")
    out = tmp_path / "run"
    result = scan(clone, out, "safety")
    assert result.code == 0, result.stderr  # type: ignore[attr-defined]
    said = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    for task in ("safety.nsfw_input", "safety.toxicity"):
        assert f"skipping {task} (the mossbench data source cannot supply scenes" in said
    rows = {(r["task"], r["attack"], r["metric"]) for r in report_rows(out)}
    assert ("safety.jailbreak", "published", "asr.set.contrast") in rows
    assert {("safety.jailbreak", "published", f"asr.category.{s}") for s in STIMULI} <= rows
    assert {("text_only", s) for s in STIMULI} <= set(category_rows(out))
