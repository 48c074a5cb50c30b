"""The fairvlmed source reads Harvard-FairVLMed's split folders of npz files as the authors
describe them, never unpickling anything."""

import json
from pathlib import Path

import numpy as np
import pytest
from benchmark_trees_fairmed import fairvlmed_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.fairvlmed import (
    ETHNICITIES,
    GENDERS,
    LANGUAGES,
    RACES,
    FairVLMedSource,
)
from vlmtrust.data.source import LoadOptions, NotSupplied, Prompts, Scenes, Twins
from vlmtrust.data.sources import open_source


def test_the_published_layout_loads_with_the_cards_groups_and_glaucoma_labels(
    tmp_path: Path,
) -> None:
    source = open_source(f"fairvlmed:{fairvlmed_tree(tmp_path, per_split=12)}")
    assert isinstance(source, FairVLMedSource)
    samples = source.samples(Scenes(n=1))
    assert [s.id for s in samples[:2]] == ["Test/data_00001", "Test/data_00002"]
    first, last = samples[0], samples[-1]
    assert first.groups == {
        "race": "Asian",
        "gender": "Female",
        "ethnicity": "Non-Hispanic",
        "language": "English",
    }
    assert first.labels == {**first.groups, "glaucoma": "non-glaucoma", "split": "Test"}
    assert first.load_image().size == (20, 24) and first.load_image().mode == "RGB"
    # an unknown (-1) ethnicity and language stay labels, and leave the groups
    assert last.labels["ethnicity"] == last.labels["language"] == "Unknown"
    assert set(last.groups) == {"race", "gender"}
    assert {s.groups["race"] for s in samples} == set(RACES)
    assert {s.labels["glaucoma"] for s in samples} == {"glaucoma", "non-glaucoma"}
    assert source.group_attributes == {
        "race": RACES,
        "gender": GENDERS,
        "ethnicity": ETHNICITIES,
        "language": LANGUAGES,
    }
    assert source.class_labels == ("glaucoma",)
    assert FairVLMedSource.label_values("glaucoma") == ("non-glaucoma", "glaucoma")
    summary = source.summary()
    assert summary.size == 12 and len(summary.fingerprint or "") == 64
    assert summary.counts["Test"]["race=Black"] == 4 and summary.counts["Test"]["gender=Male"] == 6
    assert "ethnicity=Unknown" not in summary.counts["Test"]
    assert summary.counts["Test"]["glaucoma=glaucoma"] == 6


def test_a_split_folder_reads_that_split_and_a_short_copy_warns(tmp_path: Path) -> None:
    root = fairvlmed_tree(tmp_path / "Harvard-FairVLMed", per_split=3, splits=("Training", "Test"))
    training = open_source(f"fairvlmed:{root / 'Training'}")
    assert training.samples(Scenes(n=1))[0].id == "Training/data_00001"
    (warning,) = training.warnings
    assert "a short copy: Harvard-FairVLMed Training/ holds 3 subjects" in warning
    assert "the published copy 7,000" in warning
    # the download's own top folder is found below the root given
    assert "2,000" in open_source(f"fairvlmed:{tmp_path}").warnings[0]


def test_limit_keeps_the_first_files_but_counts_them_all(tmp_path: Path) -> None:
    root = fairvlmed_tree(tmp_path, per_split=5)
    source = FairVLMedSource.open(str(root), LoadOptions(limit=2))
    assert [s.id for s in source.samples(Scenes(n=1))] == ["Test/data_00001", "Test/data_00002"]
    assert "holds 5 subjects" in source.warnings[0]


def test_a_float_fundus_array_is_scaled_not_clipped(tmp_path: Path) -> None:
    root = fairvlmed_tree(tmp_path, per_split=2, unknown=False)
    file = root / "Test" / "data_00001.npz"
    arrays = dict(np.load(file))
    arrays["slo_fundus"] = np.linspace(0.0, 1.0, 24 * 20).reshape(24, 20)
    np.savez(file, **arrays)
    (sample, _) = open_source(f"fairvlmed:{root}").samples(Scenes(n=1))
    pixels = np.asarray(sample.load_image())
    assert pixels.min() == 0 and pixels.max() == 255


def test_pickles_oversized_images_bad_codes_and_broken_files_are_bad_items(
    tmp_path: Path,
) -> None:
    root = fairvlmed_tree(tmp_path, per_split=5, unknown=False)
    folder = root / "Test"

    def rewrite(name: str, **changes: object) -> None:
        arrays: dict[str, object] = dict(np.load(folder / name))
        np.savez(folder / name, **{**arrays, **changes})

    rewrite("data_00001.npz", race=np.array([{"not": "a code"}], dtype=object))
    rewrite("data_00002.npz", slo_fundus=np.zeros((300, 300), dtype=np.uint8))
    rewrite("data_00003.npz", glaucoma=np.int64(7))
    (folder / "data_00004.npz").write_bytes(b"not a zip")
    source = FairVLMedSource.open(str(root), LoadOptions(on_bad="skip", max_pixels=50_000))
    assert [s.id for s in source.samples(Scenes(n=1))] == ["Test/data_00005"]
    reasons = [b.reason for b in source.skipped]
    assert "'race' holds Python objects (pickles), which vlmtrust never loads" in reasons[0]
    assert "300x300 pixels, over the limit of 50,000" in reasons[1]
    assert "glaucoma code 7 is not one of 0 non-glaucoma, 1 glaucoma" in reasons[2]
    assert "zip" in reasons[3].lower()
    with pytest.raises(DataError, match=r"pickles.*and 3 more bad items"):
        FairVLMedSource.open(str(root), LoadOptions(max_pixels=50_000))


def test_what_fundus_images_cannot_answer_is_not_supplied(tmp_path: Path) -> None:
    source = open_source(f"fairvlmed:{fairvlmed_tree(tmp_path, per_split=3)}")
    assert len(source.samples(Twins(pairs=5))) == 3
    with pytest.raises(NotSupplied, match="no counterfactual twins"):
        source.samples(Twins(pairs=5, paired=True, task="fairness.x"))
    with pytest.raises(NotSupplied, match="cannot supply prompts"):
        source.samples(Prompts())


@pytest.mark.parametrize(
    ("damage", "named"),
    [("no_test_folder", "has no Test/ folder"), ("no_npz", "has no .npz files")],
)
def test_a_wrong_layout_is_one_line_exit_2(tmp_path: Path, damage: str, named: str) -> None:
    root = fairvlmed_tree(tmp_path / "data", per_split=2)
    if damage == "no_test_folder":
        (root / "Test").rename(root / "test_set")
    else:
        for file in (root / "Test").iterdir():
            file.rename(file.with_suffix(".npy"))
    assert_wrong_layout(
        "fairvlmed",
        root,
        named,
        "Training/ Validation/ Test/ folders of data_xxxxx.npz",
        scan=("--model", "zoo:clip", "--suite", "fairness"),
        notices=True,  # the tasks a fairness suite skips on this model
        out=tmp_path / "run",
    )


def test_data_check_prints_the_groups_of_the_split_read(tmp_path: Path) -> None:
    result = run_cli("data", "check", "fairvlmed", str(fairvlmed_tree(tmp_path, per_split=6)))
    assert result.code == 0, result.stderr
    head, *rest = result.stdout.splitlines()
    assert head.startswith("fairvlmed: 6 rows, fingerprint ")
    table = " ".join(" ".join(rest).split())
    assert "race=Asian" in table and "language=Spanish" in table and "2,000" in table


def test_a_suite_runs_per_fairvlmed_attribute_and_leaves_out_prompts(tmp_path: Path) -> None:
    root = fairvlmed_tree(tmp_path / "data", per_split=12)
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"fairvlmed:{root}",
        "--suite", "fairness.dataset_audit,fairness.prompt_bias", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "skipping fairness.prompt_bias (the fairvlmed data source cannot supply" in said
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    shares = {
        r["task"]: r["details"]["by_group"] for r in report["rows"] if r["metric"] == "group_share"
    }
    attributes = ("race", "gender", "ethnicity", "language")
    assert set(shares) == {f"fairness.dataset_audit-by-{a}" for a in attributes}
    assert set(shares["fairness.dataset_audit-by-ethnicity"]) == set(ETHNICITIES)


@pytest.mark.slow
def test_the_fairness_suite_runs_end_to_end_on_fairvlmed(tmp_path: Path) -> None:
    root = fairvlmed_tree(tmp_path / "data", per_split=24)
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"fairvlmed:{root}", "--suite", "fairness",
        "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    accuracy = {
        r["task"]: r
        for r in report["rows"]
        if r["metric"] == "accuracy" and "by_group" in r["details"]
    }
    assert {task: set(row["details"]["by_group"]) for task, row in accuracy.items()} == {
        "fairness.group_performance-by-race": set(RACES),
        "fairness.group_performance-by-gender": set(GENDERS),
        "fairness.group_performance-by-ethnicity": set(ETHNICITIES),
        "fairness.group_performance-by-language": set(LANGUAGES),
    }
    # the subject whose ethnicity is unknown is unscorable there, scored for race
    assert accuracy["fairness.group_performance-by-race"]["n"] == 24
    assert accuracy["fairness.group_performance-by-ethnicity"]["n"] == 23
    tasks = {r["task"] for r in report["rows"]}
    assert "fairness.embedding_association-by-ethnicity" in tasks
    assert not any(t.startswith(("fairness.counterfactual", "fairness.prompt_bias")) for t in tasks)
