"""ImageFolder listing and WordNet names, read as torchvision and ImageNet's files lay them out."""

from pathlib import Path

import pytest
from benchmark_trees import jpeg

from vlmtrust.core.errors import DataError
from vlmtrust.data.benchmarks.image_folder import (
    Image,
    any_images,
    class_images,
    name_file,
    readable,
    wnid_names,
)
from vlmtrust.data.benchmarks.layout import Layout

LAYOUT = Layout("Test", "ROOT/<class>/<image>")


def test_classes_are_sorted_folders_and_only_image_suffixes_count(tmp_path: Path) -> None:
    for relative in ("b/2.JPEG", "b/1.png", "a/deep/x.jpg", "a/notes.txt", "loose.jpg"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(jpeg(1))
    assert class_images(tmp_path, LAYOUT) == [
        Image("a/deep/x.jpg", "a"),
        Image("b/1.png", "b"),
        Image("b/2.JPEG", "b"),
    ]  # the loose image belongs to no class, as in torchvision's ImageFolder
    assert any_images(tmp_path, LAYOUT)[0] == Image("loose.jpg", "")


def test_a_folder_without_images_is_a_layout_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "loose.jpg").write_bytes(jpeg(1))
    with pytest.raises(DataError, match=r"has no class folders holding images.*ROOT/<class>"):
        class_images(tmp_path, LAYOUT)
    with pytest.raises(DataError, match="holds no images"):
        any_images(tmp_path / "a", LAYOUT)


def test_names_come_from_the_nearest_mapping_file_first_synonym_first(tmp_path: Path) -> None:
    kaggle = tmp_path / "imagenet-object-localization-challenge"
    val = kaggle / "ILSVRC" / "Data" / "CLS-LOC" / "val"
    val.mkdir(parents=True)
    (tmp_path / "LOC_synset_mapping.txt").write_text("n01440764 someone else's\n")
    assert name_file(val) is None  # five folders up: not this copy's
    mapping = kaggle / "LOC_synset_mapping.txt"
    mapping.write_text("n01440764 tench, Tinca tinca\nprose line\nn02012849 crane\n")
    assert name_file(val) == mapping  # beside ILSVRC/, as Kaggle's download keeps it
    assert wnid_names(mapping) == {"n01440764": "tench", "n02012849": "crane"}
    (val / "synset_words.txt").write_text("n01440764 tench\n")
    assert name_file(val) == val / "synset_words.txt"  # the nearest first


def test_shared_names_keep_their_wnid_and_unnamed_wnids_are_counted() -> None:
    names = {"n02012849": "crane", "n03126707": "crane", "n01440764": "tench"}
    folders = ("n01440764", "n02012849", "n03126707", "n09999999", "cats")
    classes, unnamed = readable(folders, names)
    assert classes == {
        "n01440764": "tench",
        "n02012849": "crane (n02012849)",
        "n03126707": "crane (n03126707)",
        "n09999999": "n09999999",
        "cats": "cats",
    }
    assert unnamed == 1  # "cats" is a name already
