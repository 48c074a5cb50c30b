"""A user's dataset as a data source: ``folder`` (labels.csv / labels.jsonl) and ``hf_disk``.

Loaded once per run (``--limit`` keeps the first N entries, bad ones fail or are skipped), then
every task that asks gets these samples: the user's data stands in for world scenes, twins and
the membership pool alike (a sample without the label a task needs is scored unscorable), and
for safety probes its rows are filtered by their ``harmful`` label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import sha256_hex
from vlmtrust.data import BadItem, Layout, load_data
from vlmtrust.data.source import (
    Canaries,
    DataSource,
    DataSummary,
    LoadOptions,
    MembershipPool,
    NotSupplied,
    Probes,
    Prompts,
    SampleRequest,
    Scenes,
    Twins,
)

HARMFUL_LABEL = "harmful"
_TRUE, _FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})


class LoadedSource(DataSource):
    """Samples read from disk in one layout."""

    layout: ClassVar[Layout]

    def __init__(self, samples: Sequence[Sample], skipped: Sequence[BadItem] = ()) -> None:
        self._samples = tuple(samples)
        self._skipped = tuple(skipped)

    @classmethod
    def open(cls, path: str, options: LoadOptions) -> LoadedSource:
        if not path:
            raise DataError(f"--data {cls.name}: names no path", f"pass --data {cls.name}:PATH")
        loaded = load_data(path, options.on_bad, options.limit, options.max_pixels, cls.layout)
        if not loaded.samples:
            raise DataError(f"no usable samples in {path}", "check the dataset's images")
        return cls(loaded.samples, loaded.skipped)

    @property
    def skipped(self) -> tuple[BadItem, ...]:
        return self._skipped

    def summary(self) -> DataSummary:
        """Rows per ``category`` label (``-`` without one); the fingerprint hashes every
        sample's content (image, prompt, labels, groups), so it is that of the rows loaded."""
        by_category = Counter(str(s.labels.get("category", "-")) for s in self._samples)
        fingerprint = sha256_hex(*(s.content_hash() for s in self._samples))
        return DataSummary(self.name, len(self._samples), fingerprint, {"all": dict(by_category)})

    def samples(self, request: SampleRequest) -> list[Sample]:
        if isinstance(request, Scenes | Twins | MembershipPool):
            return list(self._samples)
        if isinstance(request, Prompts):
            return [s for s in self._samples if s.prompt]
        if isinstance(request, Canaries):
            return []  # none are planted in a user's data (memorization takes a canary_file)
        if isinstance(request, Probes):
            return harmful_rows(self._samples, request)
        raise self.cannot_supply(request)


class FolderSource(LoadedSource):
    name = "folder"
    layout = "folder"
    expects = "a folder of images with labels.csv or labels.jsonl (a 'file' column per image)"
    get_it = "your own data"
    licence = "yours"


class HfDiskSource(LoadedSource):
    name = "hf_disk"
    layout = "hf_disk"
    expects = "a directory written by datasets' save_to_disk (an 'image' or 'prompt' column)"
    get_it = "your own data, or any Hugging Face dataset saved with save_to_disk"
    licence = "the dataset's own"


def harmful_rows(dataset: Sequence[Sample], request: Probes) -> list[Sample]:
    """The rows whose ``harmful`` label equals ``request.harmful`` (normalised to a bool), at
    most ``request.n``; a row without a prompt or the label is a one-line error naming it."""
    task = request.task or "this task"
    chosen = []
    for sample in dataset:
        if not sample.prompt:
            raise DataError(
                f"--data sample {sample.id!r} has no prompt, which {task} sends to the model",
                "add a 'prompt' column (the request) to the labels file",
            )
        flag = _harmful_flag(sample, task)
        if flag == request.harmful:
            labels = {**sample.labels, HARMFUL_LABEL: flag}
            chosen.append(sample.model_copy(update={"labels": labels}))
    if not chosen:
        wanted = str(request.harmful).lower()
        raise NotSupplied(
            f"--data holds no rows with harmful={wanted}, which {task} scores",
            f"add such rows, or leave {task} out of this scan",
        )
    return chosen[: request.n] if request.n is not None else chosen


def _harmful_flag(sample: Sample, task: str) -> bool:
    value = sample.labels.get(HARMFUL_LABEL)
    if value is None:
        raise DataError(
            f"--data sample {sample.id!r} has no 'harmful' label, which {task} needs",
            "add a 'harmful' column (true: a harmful request, false: benign) to the labels file",
        )
    text = str(value).strip().lower()
    if isinstance(value, bool):
        return value
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise DataError(
        f"--data sample {sample.id!r} has harmful={value!r}", "write true or false (or 1 / 0)"
    )
