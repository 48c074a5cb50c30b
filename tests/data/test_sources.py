"""``--data`` resolution on real folders in tmp_path: auto-detection, NAME:PATH, unknown names."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from vlmtrust.core.errors import ConfigError, DataError
from vlmtrust.data import load_data
from vlmtrust.data.loaded import FolderSource, HfDiskSource
from vlmtrust.data.source import Scenes
from vlmtrust.data.sources import open_source, reference_samples, split_data_arg, world_scene
from vlmtrust.data.world.draw import render
from vlmtrust.data.world.source import WorldSource


def _ids(samples) -> list[str]:
    return [s.id for s in samples]


def test_no_data_is_the_world_and_a_registered_prefix_names_a_source() -> None:
    assert split_data_arg(None) == ("world", "")
    assert split_data_arg("world:") == ("world", "")
    assert split_data_arg("folder:/data/faces") == ("folder", "/data/faces")
    assert split_data_arg(Path("hf_disk:rel/set")) == ("hf_disk", "rel/set")


def test_a_bare_path_auto_detects_even_with_a_colon_in_it(tmp_path: Path) -> None:
    odd = tmp_path / "shots:2024"
    odd.mkdir()
    assert split_data_arg(str(odd)) == (None, str(odd))  # an existing path is a path
    assert split_data_arg("./shots:2024") == (None, "./shots:2024")  # not a name: a path
    assert split_data_arg("faces") == (None, "faces")


def test_an_unknown_source_name_is_one_line_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        split_data_arg("no_such_bench:/data/NoSuchBench")
    message = str(caught.value)
    assert "'no_such_bench'" in message
    assert all(
        name in message
        for name in ("folder", "hf_disk", "world", "figstep_safebench", "fairface", "utkface")
    )
    assert "\n" not in message


def test_a_folder_opens_the_same_detected_or_named(world_folder: Path) -> None:
    detected = open_source(world_folder)
    named = open_source(f"folder:{world_folder}")
    assert isinstance(detected, FolderSource) and isinstance(named, FolderSource)
    expected = _ids(load_data(world_folder).samples)
    assert _ids(detected.samples(Scenes(n=1))) == _ids(named.samples(Scenes(n=1))) == expected


def test_a_saved_dataset_is_detected_as_hf_disk(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    datasets.Dataset.from_dict({"id": ["a", "b", "c"], "prompt": ["x", "y", "z"]}).save_to_disk(
        str(saved)
    )
    source = open_source(saved)
    assert isinstance(source, HfDiskSource)
    assert _ids(source.samples(Scenes(n=1))) == ["a", "b", "c"]
    assert _ids(open_source(f"hf_disk:{saved}").samples(Scenes(n=1))) == ["a", "b", "c"]


def test_a_named_layout_that_does_not_fit_is_a_data_error(world_folder: Path) -> None:
    with pytest.raises(DataError, match="save_to_disk"):
        open_source(f"hf_disk:{world_folder / 'labels.csv'}")
    with pytest.raises(DataError, match="names no path"):
        open_source("folder:")


def test_the_world_takes_no_path() -> None:
    assert isinstance(open_source("world:"), WorldSource)
    with pytest.raises(ConfigError, match="takes no path"):
        open_source("world:/data/faces")


def test_reference_samples_are_the_worlds_whatever_the_run_uses() -> None:
    drawn = reference_samples(Scenes(n=2, seed=4))
    assert _ids(drawn) == ["world-objects-4-0", "world-objects-4-1"]
    assert drawn == WorldSource().samples(Scenes(n=2, seed=4))


def test_world_scene_redraws_an_object_scene_and_refuses_others() -> None:
    sample = reference_samples(Scenes(n=2, seed=4))[1]
    scene = world_scene(sample)
    assert scene is not None and sample.image is not None
    assert render(scene).tobytes() == sample.load_image().tobytes()
    people = reference_samples(Scenes(n=1, family="people"))[0]
    assert world_scene(people) is None
