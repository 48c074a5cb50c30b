"""What the caption benchmarks (COCO captions, Flickr30k) share: answering membership inference
with a split the model was trained on and a split it never saw, and caption tasks with scenes.

Membership only means something when the model saw one split and not the other, so each loader
names which split holds the members (documented per loader, chosen by the path the user passes).
A caption set is large (COCO train2017: 118,287 images, about 19 GB), so a source decodes a
bounded pool per side: the first ``--limit`` images of each split in the annotation file's own
order (default :data:`POOL`), never the whole copy. Its fingerprint hashes the annotation files
and every image it loaded, so the same copy and ``--limit`` key the same results; hashing every
image of a copy on each scan would cost minutes.

Requests answered: the membership pool (``caption``, ``member`` and ``split`` labels, as many
members as non-members) and scenes (captioned images, interleaved across splits, for tasks that
read a caption such as ``robustness.modality_gap``). A caption set has no class labels, group
attributes, probes, prompts or canaries: those requests are not supplied, naming why, and a
pillar suite leaves out a task predicting a label it does not carry (``labels_carried``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vlmtrust.core.records import Sample
from vlmtrust.data import BadItem
from vlmtrust.data.benchmarks.layout import (
    BenchmarkSource,
    Fingerprint,
    Loaded,
    image_sample,
    interleave,
    settle,
)
from vlmtrust.data.source import (
    LoadOptions,
    MembershipPool,
    NotSupplied,
    SampleRequest,
    Scenes,
)

#: images decoded per side (members, non-members) when --limit sets no other number
POOL = 500
#: the ``counts`` category of each side in ``vlmtrust data check`` and the run header
MEMBERS, NONMEMBERS, UNUSED, IMAGES = "members", "non-members", "not scanned", "images"


@dataclass(frozen=True)
class Captioned:
    """One image of a split, with its captions in the annotation file's order."""

    split: str
    #: the image's path relative to ``folder``, as the annotation file names it
    file: str
    folder: Path
    captions: tuple[str, ...]
    #: the sample id, unique across the splits read
    id: str
    #: True: a training member; False: held out; None: the copy has no split to say
    member: bool | None


def role(member: bool | None) -> str:
    """The counts category of a side."""
    return {True: MEMBERS, False: NONMEMBERS, None: IMAGES}[member]


def load_pool(
    name: str,
    entries: Sequence[Captioned],
    fingerprint: Fingerprint,
    options: LoadOptions,
) -> tuple[list[Sample], list[BadItem]]:
    """The first ``--limit`` (else :data:`POOL`) images of each side, decoded and hashed in
    that order, members first; a missing or unreadable image is a bad item (``options.on_bad``)."""
    per_side = options.limit or POOL
    taken: dict[bool | None, int] = {}
    items: list[Sample | BadItem] = []
    for entry in sorted(entries, key=lambda e: e.member is not True):  # stable: members first
        if taken.get(entry.member, 0) >= per_side:
            continue
        taken[entry.member] = taken.get(entry.member, 0) + 1
        labels: dict[str, str | bool] = {"caption": entry.captions[0], "split": entry.split}
        if entry.member is not None:
            labels["member"] = entry.member
        fields = {"id": entry.id, "labels": labels}
        source = f"{name}:{entry.folder / entry.file}"
        hashed = f"{entry.folder.name}/{entry.file}"
        item = image_sample(
            entry.folder, entry.file, fields, source, fingerprint, True, options.max_pixels, hashed
        )
        if item is not None:
            items.append(item)
    return settle(items, options.on_bad)


def absent_images(entries: Iterable[Captioned]) -> dict[str, int]:
    """Per split, how many images its annotations name are not in its folder (one listing per
    folder, not one look-up per image: COCO's train2017/ holds 118,287 files)."""
    listed: dict[Path, set[str]] = {}
    missing: dict[str, int] = {}
    for entry in entries:
        if entry.folder not in listed:
            listed[entry.folder] = _names(entry.folder)
        if entry.file not in listed[entry.folder]:
            missing[entry.split] = missing.get(entry.split, 0) + 1
    return missing


def _names(folder: Path) -> set[str]:
    try:
        with os.scandir(folder) as found:
            return {item.name for item in found}
    except OSError:
        return set()


def absent_warnings(
    title: str, entries: Sequence[Captioned], named: Mapping[str, int]
) -> list[str]:
    """A warning per split whose image folder lacks images its annotations name."""
    return [
        f"{title} {split}: {missing:,} of the {named[split]:,} images its annotations name are "
        "not in its image folder (a partial copy; any the scan reads is a bad item)"
        for split, missing in absent_images(entries).items()
    ]


class CaptionBenchmark(BenchmarkSource):
    """Captioned images of a published caption set, members and non-members labelled."""

    feeds = (
        "privacy.membership (members: the split the model was trained on, non-members: a "
        "held-out split; labels caption, member), caption tasks' scenes (modality gap) and "
        "vlmtrust sanitize (written back in the same layout)"
    )
    labels_carried = frozenset({"caption", "split", "member"})

    def __init__(self, loaded: Loaded, no_membership: str | None = None) -> None:
        super().__init__(loaded)
        #: why this copy cannot say which images are members (None: it can)
        self._no_membership = no_membership

    def samples(self, request: SampleRequest) -> list[Sample]:
        rows = self._loaded.samples
        if isinstance(request, MembershipPool):
            if self._no_membership is not None:
                who = request.task or "privacy.membership"
                raise NotSupplied(
                    f"{self.layout.title}: {self._no_membership}, which {who} needs",
                    self.layout.fix,
                )
            members = [s for s in rows if s.labels.get("member") is True]
            others = [s for s in rows if s.labels.get("member") is False]
            n = min(request.n, len(members), len(others))
            return members[:n] + others[:n]
        if isinstance(request, Scenes):
            if request.family == "people":
                raise NotSupplied(
                    f"{self.layout.title} has captioned photos without group attributes, which "
                    f"{request.task or 'this task'} compares",
                    "run it without --data (the world's people scenes), or on a group-annotated "
                    "data set (fairface, utkface)",
                )
            mixed = interleave(rows, lambda s: str(s.labels.get("split")))
            return mixed[: request.n]
        raise self.cannot_supply(request)
