"""The fairface source reads the label CSVs and image folders as the authors publish them."""

import json
from pathlib import Path

import pytest
from benchmark_trees import fairface_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.fairface import AGES, GENDERS, RACES, FairFaceSource
from vlmtrust.data.source import LoadOptions, NotSupplied, Prompts, Scenes, Twins
from vlmtrust.data.sources import open_source
from vlmtrust.store import ResultStore


def test_the_published_layout_loads_with_fairfaces_own_groups(tmp_path: Path) -> None:
    source = open_source(f"fairface:{fairface_tree(tmp_path, rows=14)}")
    assert isinstance(source, FairFaceSource)
    samples = source.samples(Scenes(n=1))
    assert [s.id for s in samples[:2]] == ["val/1", "val/2"]
    first = samples[0]
    assert first.groups == {"race": "White", "gender": "Male", "age": "0-2"}
    assert first.labels == {**first.groups, "service_test": True, "split": "val"}
    assert {s.groups["race"] for s in samples} == set(RACES)
    assert {s.groups["gender"] for s in samples} == set(GENDERS)
    assert source.group_attributes == {"race": RACES, "gender": GENDERS, "age": AGES}
    summary = source.summary()
    assert summary.size == 14 and len(summary.fingerprint or "") == 64
    assert summary.counts["val"]["race=Black"] == 2 and summary.counts["val"]["gender=Male"] == 7


def test_the_fingerprint_follows_the_content(tmp_path: Path) -> None:
    first = open_source(f"fairface:{fairface_tree(tmp_path / 'a', rows=4)}").summary()
    again = open_source(f"fairface:{fairface_tree(tmp_path / 'b', rows=4)}").summary()
    root = fairface_tree(tmp_path / "c", rows=4)
    (root / "val" / "2.jpg").write_bytes((root / "val" / "3.jpg").read_bytes())
    changed = open_source(f"fairface:{root}").summary()
    assert first.fingerprint == again.fingerprint != changed.fingerprint


def test_a_train_label_file_reads_its_split_from_the_zips_own_folder(tmp_path: Path) -> None:
    fairface_tree(tmp_path / "fairface-img-margin025-trainval", rows=3, splits=("train",))
    labels = tmp_path / "fairface-img-margin025-trainval" / "fairface_label_train.csv"
    labels.rename(tmp_path / "fairface_label_train.csv")
    source = open_source(f"fairface:{tmp_path / 'fairface_label_train.csv'}")
    samples = source.samples(Scenes(n=1))
    assert [s.id for s in samples] == ["train/1", "train/2", "train/3"]
    assert samples[0].labels["split"] == "train"
    assert "86,744" in source.warnings[0]


def test_a_short_copy_warns_naming_both_counts(tmp_path: Path) -> None:
    source = open_source(f"fairface:{fairface_tree(tmp_path, rows=5)}")
    (warning,) = source.warnings
    assert "a short copy: FairFace val (fairface_label_val.csv) holds 5 rows" in warning
    assert "the published copy 10,954" in warning


def test_limit_keeps_the_first_rows_but_counts_them_all(tmp_path: Path) -> None:
    root = fairface_tree(tmp_path, rows=6)
    source = FairFaceSource.open(str(root), LoadOptions(limit=2))
    assert [s.id for s in source.samples(Scenes(n=1))] == ["val/1", "val/2"]
    assert "holds 6 rows" in source.warnings[0]


def test_values_outside_the_vocabularies_and_missing_images_are_listed(tmp_path: Path) -> None:
    root = fairface_tree(tmp_path, rows=3)
    csv = root / "fairface_label_val.csv"
    csv.write_text(csv.read_text().replace("Black", "Martian"))
    (root / "val" / "3.jpg").unlink()
    source = FairFaceSource.open(str(root), LoadOptions(on_bad="skip"))
    assert [s.id for s in source.samples(Scenes(n=1))] == ["val/1"]
    reasons = [b.reason for b in source.skipped]
    assert "race 'Martian' is not one of White, Black" in reasons[0]
    assert reasons[1] == "missing file"
    with pytest.raises(DataError, match=r"Martian.*and 1 more bad items"):
        FairFaceSource.open(str(root), LoadOptions())


def test_what_faces_cannot_answer_is_not_supplied(tmp_path: Path) -> None:
    source = open_source(f"fairface:{fairface_tree(tmp_path, rows=2)}")
    assert len(source.samples(Twins(pairs=5))) == 2  # a pool of group-annotated faces
    with pytest.raises(NotSupplied, match=r"no counterfactual twins.*which fairness\.x compares"):
        source.samples(Twins(pairs=5, paired=True, task="fairness.x"))
    with pytest.raises(NotSupplied, match="cannot supply prompts"):
        source.samples(Prompts())


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("drop_race_column", "has no 'race' column"),
        ("no_images", "no val/ image folder"),
        ("no_labels", "fairface_label_val.csv does not exist"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2(tmp_path: Path, damage: str, named: str) -> None:
    root = fairface_tree(tmp_path / "data", rows=2)
    csv = root / "fairface_label_val.csv"
    if damage == "drop_race_column":
        csv.write_text(csv.read_text().replace(",race,", ",ethnicity,"))
    elif damage == "no_images":
        (root / "val").rename(root / "validation")
    else:
        csv.unlink()
    assert_wrong_layout(
        "fairface",
        root,
        named,
        "file,age,gender,race,service_test",
        scan=("--model", "zoo:clip", "--suite", "fairness"),
        notices=True,  # the tasks a fairness suite skips on this model
        out=tmp_path / "run",
    )


def test_a_suite_runs_per_fairface_group_and_leaves_out_what_it_cannot_supply(
    tmp_path: Path,
) -> None:
    """dataset_audit reads no model output; prompt_bias needs prompts FairFace has none of."""
    root = fairface_tree(tmp_path / "data", rows=14)
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"fairface:{root}",
        "--suite", "fairness.dataset_audit,fairness.prompt_bias", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "skipping fairness.prompt_bias (the fairface data source cannot supply" in " ".join(
        result.stderr.split()
    )
    assert "holds 14 rows, the published copy 10,954" in " ".join(result.stderr.split())
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    shares = {
        r["task"]: r["details"]["by_group"] for r in report["rows"] if r["metric"] == "group_share"
    }
    assert set(shares) == {f"fairness.dataset_audit-by-{a}" for a in ("race", "gender", "age")}
    assert set(shares["fairness.dataset_audit-by-race"]) == set(RACES)
    assert set(shares["fairness.dataset_audit-by-age"]) <= set(AGES)
    with ResultStore.open_existing(out) as store:
        header = store.latest_header()
        results = set(store.result_counts())
    assert set(header["samples"]) == set(shares) == results
    assert {t["params"]["group"] for t in header["tasks"]} == {"race", "gender", "age"}
    named = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"fairface:{root}",
        "--task", "fairness.prompt_bias", "--out", str(tmp_path / "named"),
    )  # fmt: skip
    assert named.code == 2 and "cannot supply prompts" in named.stderr
    nothing = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"fairface:{root}",
        "--suite", "fairness.prompt_bias", "--out", str(tmp_path / "nothing"),
    )  # fmt: skip
    assert nothing.code == 2 and "error: no task of --suite can run" in nothing.stderr


@pytest.mark.slow
def test_the_fairness_suite_runs_end_to_end_on_fairface(tmp_path: Path) -> None:
    root = fairface_tree(tmp_path / "data", rows=28)
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"fairface:{root}", "--suite", "fairness",
        "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    by_group = {
        r["task"]: set(r["details"]["by_group"])
        for r in report["rows"]
        if r["metric"] == "accuracy" and "by_group" in r["details"]
    }
    assert by_group == {
        "fairness.group_performance-by-race": set(RACES),
        "fairness.group_performance-by-gender": set(GENDERS),
        "fairness.group_performance-by-age": set(AGES),
    }
    tasks = {r["task"] for r in report["rows"]}
    assert {f"fairness.retrieval_skew-by-{a}" for a in ("race", "gender", "age")} <= tasks
    assert "fairness.embedding_association-by-gender" in tasks
    assert not any(t.startswith(("fairness.counterfactual", "fairness.prompt_bias")) for t in tasks)
