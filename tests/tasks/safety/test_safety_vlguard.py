"""Safety tasks on VLGuard's test split (built with placeholder instructions): its harmful rows
feed `safety.jailbreak`, its benign ones `safety.over_refusal`, each image with its own
instruction as condition `published`; our attacks, which would take the instruction off its
image, run only when named; the report names the data set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from benchmark_trees_vlguard import vlguard_copy
from cli_run import run_cli
from vlmtrust_testing import report_rows

from vlmtrust.core.spec import Spec
from vlmtrust.data.benchmarks.vlguard import VLGuardSource
from vlmtrust.data.source import LoadOptions, Probes
from vlmtrust.tasks.base import build_task

CATEGORIES = {"risky behavior": 2, "privacy": 2}


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vlguard_copy(tmp_path_factory.mktemp("VLGuard"), unsafe=CATEGORIES, safe=4)


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """zoo:assistant's matrices are too small for two threads to help on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    ("task", "harmful"), [("safety.jailbreak", True), ("safety.over_refusal", False)]
)
def test_the_tasks_run_vlguards_own_image_and_instruction_unless_attacks_are_named(
    copy: Path, task: str, harmful: bool
) -> None:
    source = VLGuardSource.open(str(copy), LoadOptions())
    rows = source.samples(Probes(harmful=harmful, probes="harmful_v1", sets=("zoo",)))
    assert rows and all(r.labels["harmful"] is harmful for r in rows)
    default = build_task(Spec(name=task)).resolve(rows)
    assert [c.name for c in default.conditions()] == ["published"]
    named = build_task(Spec(name=task, params={"attacks": ["text_only"]})).resolve(rows)
    assert [c.name for c in named.conditions()] == ["published", "text_only"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_safety_suite_scores_jailbreak_and_over_refusal_on_vlguard(
    copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:assistant", "--data", f"vlguard:{copy}", "--suite", "safety",
        "--limit", "6", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "a short copy: VLGuard's test.json holds 12 rows, the published copy 1,558" in said
    for task in ("safety.nsfw_input", "safety.toxicity"):
        assert f"skipping {task} (the vlguard data source cannot supply scenes" in said
    rows = {(r["task"], r["attack"], r["metric"]): r for r in report_rows(out)}
    assert {a for t, a, _ in rows if t != "safety.red_team"} == {"published", "calibration"}
    asr = rows[("safety.jailbreak", "published", "asr")]
    assert asr["n"] + asr["details"]["n_unscorable"] == 6
    for metric in ("asr.set.unsafes", "asr.set.safe_unsafes", "asr.category.unsafe instruction"):
        assert ("safety.jailbreak", "published", metric) in rows
    assert {m for _, a, m in rows if m.startswith("asr.category.")} >= {
        f"asr.category.{c}" for c in CATEGORIES
    }
    refusal = rows[("safety.over_refusal", "published", "refusal_rate")]
    assert refusal["n"] + refusal["details"]["n_unscorable"] == 4
    assert ("safety.over_refusal", "published", "refusal_rate.set.safe_safes") in rows
    report = run_cli("report", str(out), "--format", "json")
    entry = json.loads(report.stdout)["runs"][0]["header"]["data_source"]
    assert entry["name"] == "vlguard" and entry["size"] == 12
    assert entry["counts"] == {
        "unsafes": CATEGORIES,
        "safe_unsafes": {"unsafe instruction": 4},
        "safe_safes": {"safe": 4},
    }
    assert len(entry["fingerprint"]) == 64 and len(entry["warnings"]) == 1
