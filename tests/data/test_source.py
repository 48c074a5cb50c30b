"""The data-source contract: the vocabulary a source knows, and the one-line refusal of a kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.data.loaded import FolderSource
from vlmtrust.data.source import SampleRequest, Scenes, label_vocabulary
from vlmtrust.data.sources import open_source
from vlmtrust.data.world.vocabulary import COLOURS, SHAPES


@dataclass(frozen=True, kw_only=True)
class Unheard(SampleRequest):
    """A kind no registered source supplies (as a later benchmark's kind would be)."""

    kind: ClassVar[str] = "unheard"


def test_world_samples_get_the_worlds_full_class_list() -> None:
    scenes = open_source(None).samples(Scenes(n=3))
    assert label_vocabulary("shape", scenes) == SHAPES
    assert label_vocabulary("colour", scenes) == COLOURS
    assert label_vocabulary("count", scenes) is None  # a label the world keeps open


def test_samples_of_no_or_mixed_sources_get_no_class_list() -> None:
    scenes = open_source(None).samples(Scenes(n=2))
    user = Sample(id="u", labels={"shape": "circle"}, source="images/u.png")
    assert label_vocabulary("shape", [*scenes, user]) is None
    assert label_vocabulary("shape", [user]) is None
    assert label_vocabulary("shape", []) is None


@pytest.mark.parametrize("source", [open_source(None), FolderSource([Sample(id="a", prompt="p")])])
def test_a_kind_a_source_lacks_is_one_line_naming_it_and_the_task(source) -> None:
    with pytest.raises(DataError) as caught:
        source.samples(Unheard(task="safety.some_benchmark"))
    message = str(caught.value)
    assert "unheard" in message and "safety.some_benchmark" in message and source.name in message
    assert "\n" not in message
