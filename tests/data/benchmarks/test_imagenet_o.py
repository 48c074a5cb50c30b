"""The imagenet_o source reads imagenet-o.tar's layout beside the user's ImageNet folder, and
robustness.ood scores that pair end to end."""

import json
from pathlib import Path

import pytest
from benchmark_trees_ood import imagenet_folder, imagenet_o_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.data.benchmarks.imagenet_o import ImageNetO
from vlmtrust.data.source import OutOfDistribution, Scenes
from vlmtrust.data.sources import open_source
from vlmtrust.tasks.robustness.ood import DETECTORS


def test_the_published_layout_loads_every_image_as_out_of_distribution(tmp_path: Path) -> None:
    val = imagenet_folder(tmp_path / "imagenet", mapping=False)
    extracted = imagenet_o_tree(tmp_path / "downloads")
    for out in (extracted, extracted / "imagenet-o"):  # where it was extracted, or the folder
        source = open_source(f"imagenet_o:{val}::{out}")
        assert isinstance(source, ImageNetO)
        outside = source.samples(OutOfDistribution(n=1))
        assert [s.id for s in outside[:2]] == [
            "out/n01443537/placeholder_0_0.9900",
            "out/n01484850/placeholder_0_0.9910",
        ]
        assert outside[0].labels == {"ood": True, "category": "n01443537"}
        assert len(outside) == 6 and source.summary().counts["out"] == {
            "n01443537": 3,
            "n01484850": 3,
        }
    # no LOC_synset_mapping.txt: ImageNet-O's README names the wnids it lists, the rest stay ids
    names = {s.labels["wnid"]: s.labels["class"] for s in source.samples(Scenes(n=1))}
    assert names == {
        "n01440764": "n01440764",
        "n01443537": "goldfish",
        "n01484850": "great white shark",
    }
    assert any("1 of 3 class folders" in w for w in source.warnings)


def test_a_short_copy_warns_naming_the_published_count(tmp_path: Path) -> None:
    val = imagenet_folder(tmp_path / "imagenet")
    source = open_source(f"imagenet_o:{val}::{imagenet_o_tree(tmp_path / 'o')}")
    (warning,) = source.warnings
    assert "a short copy: ImageNet-O holds 6 images, the published copy 2,000" in warning
    check = run_cli("data", "check", "imagenet_o", f"{val}::{tmp_path / 'o'}")
    assert check.code == 0 and "the published copy 2,000" in " ".join(check.stdout.split())


def test_a_folder_that_is_not_a_wnid_is_one_line_exit_2(tmp_path: Path) -> None:
    val = imagenet_folder(tmp_path / "imagenet")
    root = imagenet_o_tree(tmp_path / "o")
    (root / "imagenet-o" / "n01443537").rename(root / "imagenet-o" / "goldfish")
    assert_wrong_layout(
        "imagenet_o",
        f"{val}::{root}",
        "has folders that are not wnids ('goldfish')",
        "expected the ImageNet-O layout",
        "imagenet-o/<wnid>/<image>",
    )


@pytest.mark.timeout(300)
def test_a_scan_reports_auroc_and_fpr95_on_the_pair_and_names_the_data_set(
    tmp_path: Path,
) -> None:
    """zoo:clip knows only the world's shapes: "tench" or "goldfish" are words it never saw, so
    its numbers here say only that the pair reached every detector, not how good it is."""
    val = imagenet_folder(tmp_path / "imagenet")
    pair = f"{val}::{imagenet_o_tree(tmp_path / 'o')}"
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"imagenet_o:{pair}", "--task",
        "robustness.ood:resamples=100", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    rows = {r["metric"]: r for r in report["rows"] if r["task"] == "robustness.ood"}
    for name in DETECTORS:
        for metric in (f"auroc_{name}", f"fpr95_{name}"):
            assert rows[metric]["details"]["n_in"] == 9 and rows[metric]["details"]["n_out"] == 6
            assert 0.0 <= rows[metric]["value"] <= 1.0
    header = report["runs"][0]["header"]
    entry = header["data_source"]
    assert entry["name"] == "imagenet_o" and entry["size"] == 15 and len(entry["fingerprint"]) == 64
    (task,) = header["tasks"]
    assert task["params"]["label"] == "class"  # the data's classes, not the world's shapes
