"""Flickr30k read from a copy in its distributed layout (images, Karpathy's split file, the
authors' token file; placeholder captions in tmp_path): Karpathy train answers as members and
test as non-members; the token file alone has no split, so membership is not supplied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_trees_coco import flickr30k_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.data.benchmarks.flickr30k import Flickr30k
from vlmtrust.data.source import LoadOptions, MembershipPool, NotSupplied, Scenes
from vlmtrust.data.sources import open_source
from vlmtrust.models.base import training_pool


def pool(n: int) -> MembershipPool:
    recipe = training_pool("zoo:clip")
    return MembershipPool(
        organism="clip", recipe=recipe, n=n, member_seed=None, nonmember_seed=1, task="privacy.m"
    )


def test_karpathy_train_is_members_and_test_non_members(tmp_path: Path) -> None:
    root = flickr30k_tree(tmp_path)
    source = open_source(f"flickr30k:{root}")
    assert isinstance(source, Flickr30k) and source.skipped == ()
    rows = source.samples(pool(3))
    assert [(r.labels["split"], r.labels["member"]) for r in rows] == [("train", True)] * 3 + [
        ("test", False)
    ] * 3
    first = rows[0]
    assert first.id == "1000092795"
    assert first.labels["caption"] == "a red circle on a white background"
    image = root / "flickr30k-images" / "1000092795.jpg"
    assert first.image == image.read_bytes() and first.source == f"flickr30k:{image}"
    summary = source.summary()
    assert summary.counts == {
        "train": {"members": 6},
        "test": {"non-members": 6},
        "val": {"not scanned": 2},
    }
    assert all(r.labels["split"] != "val" for r in source.samples(Scenes(n=50)))
    (warning,) = source.warnings
    assert "a short copy: Flickr30k dataset_flickr30k.json holds 14 images" in warning
    assert "'train' 6 of 29,000" in warning


def test_the_split_file_may_sit_in_caption_datasets_or_be_named(tmp_path: Path) -> None:
    root = flickr30k_tree(tmp_path, token_file=False, images_folder="flickr30k_images")
    (root / "caption_datasets").mkdir()
    moved = root / "caption_datasets" / "dataset_flickr30k.json"
    (root / "dataset_flickr30k.json").rename(moved)
    for path in (root, moved):
        rows = open_source(f"flickr30k:{path}").samples(pool(2))
        assert [r.id for r in rows] == ["1000092795", "1000093795", "1000100795", "1000101795"]


def test_the_token_file_alone_answers_scenes_but_not_membership(tmp_path: Path) -> None:
    root = flickr30k_tree(tmp_path, per_split={"train": 3, "test": 2}, split_file=False)
    source = Flickr30k.open(str(root / "results_20130124.token"), LoadOptions())
    scenes = source.samples(Scenes(n=10))
    assert len(scenes) == 5 and "member" not in scenes[0].labels
    assert scenes[0].labels == {"caption": "a red circle on a white background", "split": "all"}
    with pytest.raises(NotSupplied, match=r"has no train/test split.*which privacy\.m needs"):
        source.samples(pool(2))
    (warning,) = source.warnings
    assert "a short copy: Flickr30k results_20130124.token holds 5 images" in warning
    assert "the published copy 31,783" in warning
    assert source.summary().counts == {"all": {"images": 5}}


def test_membership_on_the_token_file_alone_is_one_line_exit_2(tmp_path: Path) -> None:
    root = flickr30k_tree(tmp_path / "f30k", per_split={"train": 2}, split_file=False)
    assert_wrong_layout(
        "flickr30k",
        root,
        "no train/test split",
        "dataset_flickr30k.json",
        check=False,
        scan=("--model", "zoo:clip", "--task", "privacy.membership:shadows=0"),
        notices=True,  # the short copy's warning
        out=tmp_path / "run",
    )


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("no_raw", "images[0] has sentences without 'raw'"),
        ("bad_split", "images[0] has split 'restval', not train, val or test"),
        ("bad_token", "line 1 is not <image>.jpg#<k><TAB><caption>"),
        ("no_images", "no flickr30k-images/ folder"),
        ("no_captions", "has no dataset_flickr30k.json nor results_20130124.token"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2_naming_the_layout(
    tmp_path: Path, damage: str, named: str
) -> None:
    root = flickr30k_tree(tmp_path / "f30k", per_split={"train": 2, "test": 2})
    split_file, token_file = root / "dataset_flickr30k.json", root / "results_20130124.token"
    table = json.loads(split_file.read_text())
    if damage == "no_raw":
        table["images"][0]["sentences"][0].pop("raw")
        split_file.write_text(json.dumps(table))
    elif damage == "bad_split":
        table["images"][0]["split"] = "restval"
        split_file.write_text(json.dumps(table))
    elif damage == "bad_token":
        split_file.unlink()
        token_file.write_text(token_file.read_text().replace("#0\t", " ", 1))
    elif damage == "no_images":
        (root / "flickr30k-images").rename(root / "pictures")
    else:
        split_file.unlink()
        token_file.unlink()
    expected = "expected the Flickr30k layout: dataset_flickr30k.json (Karpathy"
    assert_wrong_layout("flickr30k", root, named, expected)


def test_data_check_prints_the_splits_and_a_missing_image_is_a_bad_item(tmp_path: Path) -> None:
    root = flickr30k_tree(tmp_path, per_split={"train": 2, "test": 2})
    result = run_cli("data", "check", "flickr30k", str(root))
    assert result.code == 0, result.stderr
    shown = " ".join(result.stdout.split())
    assert "flickr30k: 4 rows, fingerprint" in shown and "members" in shown
    (root / "flickr30k-images" / "1000092795.jpg").unlink()
    failed = run_cli("data", "check", "flickr30k", str(root))
    assert failed.code == 2 and "1000092795.jpg: missing file" in failed.stderr
    skipped = run_cli("data", "check", "--skip-bad", "flickr30k", str(root))
    assert skipped.code == 0 and "1 of the 2 images" in " ".join(skipped.stdout.split())
