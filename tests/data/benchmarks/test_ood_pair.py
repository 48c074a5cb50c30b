"""The ood_pair source reads an in-distribution ImageFolder and an OOD folder given as IN::OUT."""

from pathlib import Path

import pytest
from benchmark_trees import jpeg
from benchmark_trees_ood import flat_folder, imagenet_folder, ninco_tree
from cli_run import run_cli
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.ood_pair import OodPair
from vlmtrust.data.source import LoadOptions, NotSupplied, OutOfDistribution, Prompts, Scenes, Twins
from vlmtrust.data.sources import open_source

OUT = OutOfDistribution(n=10)


def _pair(tmp_path: Path, per_class: int = 2, images: int = 3) -> str:
    val = imagenet_folder(tmp_path / "imagenet", per_class=per_class)
    return f"{val}::{flat_folder(tmp_path / 'ood', images)}"


def test_scenes_are_the_in_distribution_classes_and_ood_requests_the_out_folder(
    tmp_path: Path,
) -> None:
    source = open_source(f"ood_pair:{_pair(tmp_path)}")
    assert isinstance(source, OodPair)
    inside = source.samples(Scenes(n=1))
    assert [s.id for s in inside[:3]] == [
        "in/n01440764/ILSVRC2012_val_00000001",
        "in/n01443537/ILSVRC2012_val_00000003",
        "in/n01484850/ILSVRC2012_val_00000005",
    ]  # one class in turn
    assert inside[0].labels == {"class": "tench", "ood": False, "wnid": "n01440764"}
    assert {s.labels["class"] for s in inside} == {"tench", "goldfish", "great white shark"}
    outside = source.samples(OUT)
    assert [s.id for s in outside] == ["out/ood_0", "out/ood_1", "out/ood_2"]  # no README.md
    assert outside[0].labels == {"ood": True, "category": "-"}
    assert all(s.image for s in inside + outside)
    summary = source.summary()
    assert summary.name == "ood_pair" and summary.size == 9 and len(summary.fingerprint or "") == 64
    assert summary.counts == {
        "in": {"tench": 2, "goldfish": 2, "great white shark": 2},
        "out": {"-": 3},
    }
    assert source.warnings == ()


def test_plain_class_folders_are_their_own_names_and_bare_wnids_warn(tmp_path: Path) -> None:
    cats = tmp_path / "pets" / "cat"
    cats.mkdir(parents=True)
    (cats / "1.jpg").write_bytes(jpeg(1))
    source = open_source(f"ood_pair:{tmp_path / 'pets'}::{flat_folder(tmp_path / 'ood', 1)}")
    assert source.samples(Scenes(n=1))[0].labels == {"class": "cat", "ood": False}
    val = imagenet_folder(tmp_path / "imagenet", mapping=False)
    bare = open_source(f"ood_pair:{val}::{ninco_tree(tmp_path / 'n') / 'NINCO_OOD_classes'}")
    assert {s.labels["class"] for s in bare.samples(Scenes(n=1))} == {
        "n01440764",
        "n01443537",
        "n01484850",
    }
    (warning,) = bare.warnings
    assert "3 of 3 class folders" in warning and "no LOC_synset_mapping.txt" in warning
    categories = [s.labels["category"] for s in bare.samples(OUT)]
    assert categories[:2] == ["amphiuma_means", "high heels"]  # OOD sub-folders, in turn


def test_limit_keeps_n_per_side_and_the_fingerprint_is_the_copys(tmp_path: Path) -> None:
    pair = _pair(tmp_path, per_class=3, images=5)
    whole = OodPair.open(pair, LoadOptions())
    some = OodPair.open(pair, LoadOptions(limit=2))
    assert len(some.samples(Scenes(n=1))) == 2 and len(some.samples(OUT)) == 2
    assert some.summary().counts == whole.summary().counts
    assert some.summary().fingerprint == whole.summary().fingerprint
    assert some.warnings == (
        "--limit 2 keeps images of 2 of the 3 in-distribution classes, and tasks offer only the "
        "classes kept",
    )
    (tmp_path / "ood" / "ood_9.jpg").write_bytes(jpeg(99))
    assert OodPair.open(pair, LoadOptions()).summary().fingerprint != whole.summary().fingerprint


def test_an_unreadable_image_is_a_bad_item(tmp_path: Path) -> None:
    pair = _pair(tmp_path)
    (tmp_path / "ood" / "ood_1.jpg").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"ood_1\.jpg"):
        OodPair.open(pair, LoadOptions())
    source = OodPair.open(pair, LoadOptions(on_bad="skip"))
    assert len(source.samples(OUT)) == 2 and len(source.skipped) == 1


def test_what_a_pair_does_not_hold_is_not_supplied(tmp_path: Path) -> None:
    source = open_source(f"ood_pair:{_pair(tmp_path)}")
    for request in (Twins(pairs=2), Prompts()):
        with pytest.raises(NotSupplied, match=f"cannot supply {request.kind}"):
            source.samples(request)


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("{val}", "is not two folders joined by '::'"),
        ("{val}::{root}/missing", "missing does not exist"),
        ("{root}/ood::{root}/ood", "has no class folders holding images"),
    ],
)
def test_a_wrong_layout_is_one_line_exit_2(tmp_path: Path, path: str, named: str) -> None:
    val = imagenet_folder(tmp_path / "imagenet")
    flat_folder(tmp_path / "ood", 2)
    assert_wrong_layout(
        "ood_pair",
        path.format(val=val, root=tmp_path),
        named,
        "expected the ImageFolder OOD pair layout: IN::OUT",
        scan=("--model", "zoo:clip", "--task", "robustness.ood"),
        out=tmp_path / "run",
    )


def test_data_check_prints_both_sides_counts(tmp_path: Path) -> None:
    result = run_cli("data", "check", "ood_pair", _pair(tmp_path))
    assert result.code == 0, result.stderr
    said = " ".join(result.stdout.replace("│", " ").split())
    assert "ood_pair: 9 rows, fingerprint" in said
    assert "in tench 2" in said and "out - 3" in said
