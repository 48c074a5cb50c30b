"""The ninco source reads NINCO_all.tar.gz's NINCO_OOD_classes/<class>/ beside the user's
ImageNet folder, and the robustness suite runs on the pair."""

import json
from pathlib import Path

import pytest
from benchmark_trees_ood import imagenet_folder, ninco_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.data.benchmarks.ninco import PUBLISHED, Ninco
from vlmtrust.data.source import OutOfDistribution, Scenes
from vlmtrust.data.sources import open_source


def test_the_published_layout_loads_its_classes_as_ood_categories(tmp_path: Path) -> None:
    val = imagenet_folder(tmp_path / "imagenet")
    extracted = ninco_tree(tmp_path / "NINCO")
    for out in (extracted, extracted / "NINCO_OOD_classes"):
        source = open_source(f"ninco:{val}::{out}")
        assert isinstance(source, Ninco)
        outside = source.samples(OutOfDistribution(n=1))
        assert [s.id for s in outside[:3]] == [
            "out/amphiuma_means/amphiuma_means_000_1000",
            "out/high heels/high heels_000_1000",
            "out/amphiuma_means/amphiuma_means_001_1001",
        ]  # a .jpg, then the other class, then a .png
        assert outside[1].labels == {"ood": True, "category": "high heels"}
        assert len(outside) == 6
    assert len(source.samples(Scenes(n=1))) == 9
    assert sum(PUBLISHED.values()) == 5_879 and len(PUBLISHED) == 64  # the readme's counts


def test_a_short_copy_warns_naming_the_classes_that_differ(tmp_path: Path) -> None:
    val = imagenet_folder(tmp_path / "imagenet")
    source = open_source(f"ninco:{val}::{ninco_tree(tmp_path / 'NINCO')}")
    (warning,) = source.warnings
    assert "a short copy: NINCO (NINCO_OOD_classes) holds 6 images, the published copy 5,879" in (
        warning
    )
    assert "'Caracal caracal caracal' 0 of 100" in warning and "and 61 more" in warning


def test_an_extracted_folder_without_its_classes_is_one_line_exit_2(tmp_path: Path) -> None:
    val = imagenet_folder(tmp_path / "imagenet")
    root = ninco_tree(tmp_path / "NINCO")
    (root / "NINCO_OOD_classes").rename(root / "classes")
    named = "has no NINCO_OOD_classes folder"
    assert_wrong_layout("ninco", f"{val}::{root}", named, "expected the NINCO layout")


@pytest.mark.timeout(300)
def test_robustness_tasks_of_a_suite_take_the_in_distribution_classes(tmp_path: Path) -> None:
    """zero_shot and calibration read the IN images with their class names (new words to
    zoo:clip, which knows only the world's shapes: the numbers say the data reached them)."""
    val = imagenet_folder(tmp_path / "imagenet")
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"ninco:{val}::{ninco_tree(tmp_path / 'N')}",
        "--suite", "robustness.zero_shot,robustness.calibration", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    rows = {(r["task"], r["metric"]): r for r in report["rows"] if r["attack"] == "none"}
    assert rows[("robustness.zero_shot", "accuracy")]["n"] == 9
    assert rows[("robustness.calibration", "ece_out")]["n"] == 6
    assert report["runs"][0]["header"]["data_source"]["name"] == "ninco"


@pytest.mark.slow
@pytest.mark.timeout(1200)  # ten minutes on two busy cores
def test_the_robustness_suite_runs_on_the_pair(tmp_path: Path) -> None:
    val = imagenet_folder(tmp_path / "imagenet")
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"ninco:{val}::{ninco_tree(tmp_path / 'N')}",
        "--suite", "robustness", "--limit", "6", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    tasks = {r["task"] for r in report["rows"]}
    assert {"robustness.ood", "robustness.zero_shot", "robustness.calibration"} <= tasks
    header = report["runs"][0]["header"]
    labels = {t["name"]: t["params"].get("label") for t in header["tasks"]}
    assert labels["robustness.ood"] == labels["robustness.zero_shot"] == "class"
    assert header["data_source"]["name"] == "ninco"
