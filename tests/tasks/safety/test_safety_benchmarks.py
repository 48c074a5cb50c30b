"""Safety tasks on a public benchmark read in its published layout (FigStep's SafeBench, built
with placeholder questions): `vlmtrust scan --data figstep_safebench:PATH` scores the benchmark's
own typographic images as condition `published` beside our attacks, per benchmark topic; tasks
the benchmark cannot feed are skipped with the reason; the report names the data set, its size
and fingerprint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from benchmark_trees import figstep_clone
from cli_run import run_cli
from vlmtrust_testing import report_rows

from vlmtrust.data.benchmarks.figstep import TOPICS


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """zoo:assistant's matrices are too small for two threads to help on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return figstep_clone(tmp_path_factory.mktemp("FigStep"), per_topic=2, tiny_per_topic=1)


def scan(clone: Path, out: Path, suite: str) -> object:
    return run_cli(
        "scan", "--model", "zoo:assistant", "--suite", suite, "--data",
        f"figstep_safebench:{clone}", "--limit", "10", "--out", str(out),
    )  # fmt: skip


@pytest.mark.timeout(600)
def test_jailbreak_scores_the_published_images_per_topic_and_skips_what_it_cannot_feed(
    clone: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = scan(clone, out, "safety.jailbreak,safety.over_refusal,safety.toxicity")
    assert result.code == 0, result.stderr  # type: ignore[attr-defined]
    said = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "skipping safety.over_refusal (FigStep SafeBench holds harmful requests only" in said
    assert (
        "skipping safety.toxicity (the figstep_safebench data source cannot supply scenes" in said
    )
    assert "a short copy: FigStep SafeBench holds 20 questions, the published copy 500" in said
    rows = {(r["task"], r["attack"], r["metric"]): r for r in report_rows(out)}
    assert {t for t, _, _ in rows} == {"safety.jailbreak"}
    published = rows[("safety.jailbreak", "published", "asr")]
    text = rows[("safety.jailbreak", "text_only", "asr")]
    assert published["n"] + published["details"]["n_unscorable"] == 10
    # zoo:assistant refuses every request in text; the rest is the published images' doing
    assert text["value"] == 0.0 and ("safety.jailbreak", "published", "asr_gap") in rows
    assert ("safety.jailbreak", "none", "asr") not in rows  # published replaces "as given"
    topics = {m.removeprefix("asr.category.") for _, a, m in rows if a == "published"}
    assert set(TOPICS) <= topics
    assert ("safety.jailbreak", "figstep", "asr.set.SafeBench") in rows
    report = run_cli("report", str(out), "--format", "json")
    entry = json.loads(report.stdout)["runs"][0]["header"]["data_source"]
    assert entry["name"] == "figstep_safebench" and entry["size"] == 20
    assert entry["counts"] == {"SafeBench": dict.fromkeys(TOPICS, 2)}
    assert len(entry["fingerprint"]) == 64 and len(entry["warnings"]) == 1


def test_a_task_named_explicitly_that_the_benchmark_cannot_feed_is_exit_2(
    clone: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:assistant", "--task", "safety.over_refusal", "--data",
        f"figstep_safebench_tiny:{clone}", "--out", str(out),
    )  # fmt: skip
    assert result.code == 2, result.stderr
    line = result.stderr.strip().splitlines()[-1]  # after the short copy's warning
    assert line.startswith("error: ")
    assert "FigStep SafeBench-Tiny holds harmful requests only, no benign rows" in line
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_safety_suite_runs_end_to_end_and_the_report_names_the_data_set(
    clone: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = scan(clone, out, "safety")
    assert result.code == 0, result.stderr  # type: ignore[attr-defined]
    said = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    for task in ("safety.nsfw_input", "safety.over_refusal", "safety.toxicity"):
        assert f"skipping {task} (" in said
    report = tmp_path / "report.html"
    done = run_cli("report", str(out), "--out", str(report))
    assert done.code == 0, done.stderr
    html = report.read_text()
    check = run_cli("data", "check", "figstep_safebench", str(clone))
    fingerprint = check.stdout.split("fingerprint ")[1].split()[0]
    assert f"data: figstep_safebench, 20 rows, fingerprint {fingerprint[:12]}" in html  # the card
    assert f"<td>data fingerprint</td><td>{fingerprint}</td>" in html
    for topic in TOPICS:
        assert f"asr.category.{topic}" in html
    assert "<td>task skipped</td><td>safety.over_refusal (FigStep SafeBench holds harmful" in html
