"""COCO captions read from a copy in cocodataset.org's layout (built with placeholder captions in
tmp_path): the train split answers as members, val as non-members (or the split the path names),
a wrong layout is one line, exit 2, and a short or partial copy is a warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_trees_coco import coco_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.coco_captions import CocoCaptions
from vlmtrust.data.source import LoadOptions, MembershipPool, NotSupplied, Probes, Scenes
from vlmtrust.data.sources import open_source
from vlmtrust.models.base import training_pool
from vlmtrust.store import ResultStore


def pool(n: int) -> MembershipPool:
    recipe = training_pool("zoo:clip")
    return MembershipPool(
        organism="clip", recipe=recipe, n=n, member_seed=None, nonmember_seed=1, task="privacy.m"
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return coco_tree(tmp_path_factory.mktemp("coco"))


def test_train_images_are_members_and_val_images_non_members_with_their_first_caption(
    copy: Path,
) -> None:
    source = open_source(f"coco_captions:{copy}")
    assert isinstance(source, CocoCaptions) and source.skipped == ()
    rows = source.samples(pool(4))
    assert [r.labels["member"] for r in rows] == [True] * 4 + [False] * 4
    first = rows[0]
    assert first.id == "train2017/000000001009"
    assert first.labels == {
        "caption": "a red circle on a white background",
        "split": "train2017",
        "member": True,
    }
    shipped = copy / "train2017" / "000000001009.jpg"
    assert first.image == shipped.read_bytes() and first.source == f"coco_captions:{shipped}"
    assert {r.labels["split"] for r in rows[4:]} == {"val2017"}
    assert len(source.samples(pool(50))) == 12  # as many members as non-members, all there are
    summary = source.summary()
    assert summary.counts == {"train2017": {"members": 6}, "val2017": {"non-members": 6}}
    assert summary.size == 12 and len(summary.fingerprint or "") == 64


def test_the_captions_file_named_makes_its_split_the_members(tmp_path: Path) -> None:
    root = coco_tree(tmp_path, year="2014", per_split={"train": 3, "val": 5})
    source = open_source(f"coco_captions:{root / 'annotations' / 'captions_val2014.json'}")
    rows = source.samples(pool(10))
    members = [r for r in rows if r.labels["member"] is True]
    assert len(rows) == 6 and {r.labels["split"] for r in members} == {"val2014"}
    assert members[0].id == "val2014/COCO_val2014_000000002009"
    assert source.summary().counts == {"val2014": {"members": 5}, "train2014": {"non-members": 3}}
    # the root alone reads 2014 when it has no 2017 captions: train are the members
    default = open_source(f"coco_captions:{root}").samples(pool(10))
    assert {r.labels["split"] for r in default if r.labels["member"] is True} == {"train2014"}


def test_images_under_an_images_folder_are_read_too(tmp_path: Path) -> None:
    root = coco_tree(tmp_path, per_split={"train": 2, "val": 2}, images_folder="images")
    rows = open_source(f"coco_captions:{root}").samples(pool(2))
    assert rows[0].source == f"coco_captions:{root / 'images' / 'train2017' / '000000001009.jpg'}"


def test_limit_is_the_pool_per_side_and_the_copy_is_still_counted(copy: Path) -> None:
    source = CocoCaptions.open(str(copy), LoadOptions(limit=2))
    rows = source.samples(pool(300))
    assert [r.labels["member"] for r in rows] == [True, True, False, False]
    assert source.summary().size == 12


def test_scenes_interleave_the_splits_and_what_captions_lack_is_not_supplied(copy: Path) -> None:
    source = open_source(f"coco_captions:{copy}")
    scenes = source.samples(Scenes(n=4))
    assert [s.labels["split"] for s in scenes] == ["train2017", "val2017"] * 2
    with pytest.raises(NotSupplied, match=r"without group attributes, which fairness\.x compares"):
        source.samples(Scenes(n=4, family="people", task="fairness.x"))
    with pytest.raises(NotSupplied, match="cannot supply probes"):
        source.samples(Probes(harmful=True, probes="harmful_v1", sets=("zoo",)))


def test_the_fingerprint_follows_the_annotations_and_the_images_read(tmp_path: Path) -> None:
    first = open_source(f"coco_captions:{coco_tree(tmp_path / 'a')}").summary().fingerprint
    again = open_source(f"coco_captions:{coco_tree(tmp_path / 'b')}").summary().fingerprint
    root = coco_tree(tmp_path / "c")
    image = root / "val2017" / "000000002016.jpg"
    image.write_bytes((root / "val2017" / "000000002023.jpg").read_bytes())
    changed = open_source(f"coco_captions:{root}").summary().fingerprint
    root = coco_tree(tmp_path / "d")
    file = root / "annotations" / "captions_train2017.json"
    file.write_text(file.read_text().replace("a red circle", "a red disc"))
    recaptioned = open_source(f"coco_captions:{root}").summary().fingerprint
    assert first == again and len({first, changed, recaptioned}) == 3


def test_a_short_or_partial_copy_is_a_warning_naming_the_counts(tmp_path: Path) -> None:
    root = coco_tree(tmp_path, per_split={"train": 3, "val": 4})
    (root / "val2017" / "000000002016.jpg").unlink()
    source = CocoCaptions.open(str(root), LoadOptions(on_bad="skip"))
    short, partial = source.warnings
    assert "a short copy: COCO captions 2017 holds 35 captions, the published copy 616,767" in short
    assert "'train2017' 15 of 591,753" in short
    assert "val2017: 1 of the 4 images its annotations name are not in its image folder" in partial
    assert [b.reason for b in source.skipped] == ["missing file"]
    assert len(source.samples(pool(10))) == 6  # 3 members, 3 of the non-members still there
    with pytest.raises(DataError, match=r"000000002016\.jpg: missing file"):
        CocoCaptions.open(str(root), LoadOptions())
    result = run_cli("data", "check", "--skip-bad", "coco_captions", str(root))
    assert result.code == 0, result.stderr
    shown = " ".join(result.stdout.split())
    assert "coco_captions: 7 rows" in shown and "published copy 616,767" in shown


def _drop_key(file: Path, key: str) -> None:
    table = json.loads(file.read_text())
    for note in table["annotations"]:
        note.pop(key)
    file.write_text(json.dumps(table))


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("no_caption_key", "annotations[0] has no 'image_id' or 'caption'"),
        ("no_val_file", "captions_val2017.json does not exist"),
        ("no_images", "no train2017/ image folder"),
        ("no_annotations", "has no annotations/captions_train2017.json (nor 2014)"),
        ("not_json", "captions_train2017.json is not valid JSON"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, damage: str, named: str
) -> None:
    root = coco_tree(tmp_path / "coco", per_split={"train": 2, "val": 2})
    train = root / "annotations" / "captions_train2017.json"
    if damage == "no_caption_key":
        _drop_key(train, "caption")
    elif damage == "no_val_file":
        (root / "annotations" / "captions_val2017.json").unlink()
    elif damage == "no_images":
        (root / "train2017").rename(root / "training")
    elif damage == "no_annotations":
        (root / "annotations").rename(root / "labels")
    else:
        train.write_text("{not json")
    assert_wrong_layout(
        "coco_captions",
        root,
        named,
        "expected the COCO captions layout: annotations/captions_train2017.json",
        scan=("--model", "zoo:clip", "--task", "privacy.membership:shadows=0"),
        out=tmp_path / "run",
    )


def test_membership_runs_on_the_copy_and_the_header_names_it(tmp_path: Path) -> None:
    """zoo:clip never saw these images: the AUC is whatever chance gives; the run is the test."""
    root = coco_tree(tmp_path / "coco", per_split={"train": 10, "val": 10})
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"coco_captions:{root}",
        "--task", "privacy.membership:shadows=0", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    auc = next(r for r in report["rows"] if r["metric"] == "auc")
    assert auc["n"] == 20 and 0.0 <= auc["value"] <= 1.0
    assert auc["details"]["members"] == auc["details"]["nonmembers"] == 10
    with ResultStore.open_existing(out) as store:
        data = store.latest_header()["data_source"]
    assert data["name"] == "coco_captions" and len(data["fingerprint"]) == 64
    assert data["counts"] == {"train2017": {"members": 10}, "val2017": {"non-members": 10}}


def test_a_suite_runs_caption_tasks_and_leaves_out_those_predicting_a_class(
    tmp_path: Path,
) -> None:
    root = coco_tree(tmp_path / "coco", per_split={"train": 3, "val": 3})
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"coco_captions:{root}",
        "--suite", "robustness.zero_shot,robustness.modality_gap", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    shown = " ".join(result.stderr.split())
    assert "skipping robustness.zero_shot (the coco_captions data has no 'shape' label)" in shown
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    gap = next(r for r in report["rows"] if r["metric"] == "mean_pair_cosine")
    assert gap["task"] == "robustness.modality_gap" and gap["n"] == 6
    assert {r["task"] for r in report["rows"]} == {"robustness.modality_gap"}


@pytest.mark.slow
def test_the_acceptance_command_runs_end_to_end_with_lira(tmp_path: Path) -> None:
    """``vlmtrust scan --model zoo:clip --data coco_captions:FIXTURE --task privacy.membership``
    as the issue states it (LiRA's shadow fine-tunes included)."""
    root = coco_tree(tmp_path / "coco", per_split={"train": 10, "val": 10})
    out = tmp_path / "run"
    result = run_cli(
        "scan", "--model", "zoo:clip", "--data", f"coco_captions:{root}",
        "--task", "privacy.membership", "--out", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("report", str(out), "--format", "json").stdout)
    attacks = {r["attack"] for r in report["rows"] if r["metric"] == "auc"}
    assert attacks == {"none", "lira"}
