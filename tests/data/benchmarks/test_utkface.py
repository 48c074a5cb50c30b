"""The utkface source reads labels from file names, listing every name that breaks the rule."""

from pathlib import Path

import pytest
from benchmark_trees import jpeg, utkface_name, utkface_tree
from wrong_layout import assert_wrong_layout

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.fairface import AGES
from vlmtrust.data.benchmarks.utkface import GENDERS, RACES, UTKFaceSource, age_group
from vlmtrust.data.source import LoadOptions, Scenes
from vlmtrust.data.sources import open_source


def test_the_aligned_and_cropped_folder_loads_with_its_own_groups(tmp_path: Path) -> None:
    source = open_source(f"utkface:{utkface_tree(tmp_path, rows=10)}")
    assert isinstance(source, UTKFaceSource)
    samples = source.samples(Scenes(n=1))
    assert len(samples) == 10
    first = next(s for s in samples if s.id == "UTKFace/1_0_0_20170116174525125")
    assert first.groups == {"race": "White", "gender": "male", "age": "0-2"}
    assert first.labels == {**first.groups, "age": 1, "age_group": "0-2"}
    assert {s.groups["race"] for s in samples} == set(RACES)
    assert {s.groups["gender"] for s in samples} == set(GENDERS)
    assert source.group_attributes == {"race": RACES, "gender": GENDERS, "age": AGES}
    assert UTKFaceSource.label_values("age") is None  # the label is years, not a group
    assert len(source.summary().fingerprint or "") == 64


@pytest.mark.parametrize(
    ("age", "group"), [(0, "0-2"), (3, "3-9"), (19, "10-19"), (69, "60-69"), (70, "more than 70")]
)
def test_ages_fall_in_fairfaces_age_groups(age: int, group: str) -> None:
    assert age_group(age) == group


def test_malformed_names_are_bad_items_never_dropped(tmp_path: Path) -> None:
    folder = utkface_tree(tmp_path, rows=2) / "UTKFace"
    # the published file with no race field, and a race code outside 0-4
    (folder / "39_1_20170116174525125.jpg.chip.jpg").write_bytes(jpeg(7))
    (folder / utkface_name(30, 0, 7, 9)).write_bytes(jpeg(8))
    source = UTKFaceSource.open(str(tmp_path), LoadOptions(on_bad="skip"))
    assert len(source.samples(Scenes(n=1))) == 2
    reasons = {Path(b.path).name: b.reason for b in source.skipped}
    assert (
        "is not [age]_[gender]_[race]_[date&time].jpg"
        in reasons["39_1_20170116174525125.jpg.chip.jpg"]
    )
    assert "race 7 (0-4) is out of range" in reasons[utkface_name(30, 0, 7, 9)]
    with pytest.raises(DataError, match=r"bad item .*and 1 more bad items"):
        UTKFaceSource.open(str(tmp_path), LoadOptions())


def test_the_in_the_wild_parts_read_together_without_a_count_check(tmp_path: Path) -> None:
    for part in ("part1", "part2"):
        folder = tmp_path / part
        folder.mkdir()
        (folder / utkface_name(25, 1, 3, len(part), chip=False)).write_bytes(jpeg(1))
    source = open_source(f"utkface:{tmp_path}")
    assert sorted(s.id.split("/")[0] for s in source.samples(Scenes(n=1))) == ["part1", "part2"]
    assert source.warnings == ()


def test_a_short_copy_warns_naming_both_counts(tmp_path: Path) -> None:
    (warning,) = open_source(f"utkface:{utkface_tree(tmp_path, rows=3)}").warnings
    assert "a short copy: UTKFace (aligned & cropped) holds 3 images" in warning
    assert "the published copy 23,708" in warning


def test_a_wrong_layout_is_one_line_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "labels.csv").write_text("file,age\n")
    assert_wrong_layout(
        "utkface",
        data,
        "no UTKFace images",
        "[age]_[gender]_[race]_[date&time].jpg",
        scan=("--model", "zoo:clip", "--suite", "fairness"),
        notices=True,  # the tasks a fairness suite skips on this model
        out=tmp_path / "run",
    )
