"""The data-source contract: a source answers a task's sample requests.

Tasks need differently shaped sets (labelled scenes, counterfactual twins, canaries, safety
probes, prompts, a training pool redrawn from its recipe), so a task does not read a dataset: it
sends a small frozen request naming the kind it needs, and the run's one source answers. The
``world`` source draws each kind; a user's loaded dataset (``folder``, ``hf_disk``) answers with
its own samples, filtered as the kind needs, or with a one-line DataError naming the kind it
cannot supply. Sources are registered in ``vlmtrust.plugins.DATA_SOURCES``;
:mod:`vlmtrust.data.sources` resolves ``--data`` to one of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from vlmtrust.core.errors import DataError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.core.records import Sample
from vlmtrust.data import BadItem, OnBad

if TYPE_CHECKING:
    from vlmtrust.data.world.pool import PoolRecipe

#: the label holding a benchmark's own attack prompt: the ``published`` attack sends it with the
#: sample's own image (the typographic image the benchmark ships), in place of our rendering
PUBLISHED_PROMPT = "published_prompt"
#: the label (True) of a benchmark row whose request is about its own image ("who are the people
#: in this image?", VLGuard): taken off that image (``text_only``) or put on another
#: (``figstep``, ``caption_replace``) it is another question, so the probe tasks run such rows
#: under the benchmark's own attack only, unless the run names its attacks
ABOUT_ITS_IMAGE = "about_its_image"


@dataclass(frozen=True, kw_only=True)
class SampleRequest:
    """What a task asks its source for. ``seed`` None means the run's ``--seed``; ``task`` names
    who asks, so an error can say which task needs what."""

    kind: ClassVar[str] = "samples"
    task: str = ""
    seed: int | None = None


@dataclass(frozen=True, kw_only=True)
class Scenes(SampleRequest):
    """``n`` labelled scenes of a family; ``occupation_groups`` picks the group/occupation
    correlation of people scenes (None: the world's default, 50/50)."""

    kind: ClassVar[str] = "scenes"
    n: int
    family: str = "objects"
    text_prob: float = 0.0
    occupation_groups: Literal["planted", "fair"] | None = None


@dataclass(frozen=True, kw_only=True)
class OutOfDistribution(SampleRequest):
    """Images from outside the classes the source's scenes are labelled with (an OOD set paired
    with an in-distribution one), each with ``ood`` true, at most ``n``. A source without such
    a set says NotSupplied, and the task draws the world's OOD family instead."""

    kind: ClassVar[str] = "out_of_distribution"
    n: int


@dataclass(frozen=True, kw_only=True)
class Twins(SampleRequest):
    """``pairs`` counterfactual twin pairs (one scene drawn once per group); ``props="half"``
    draws the first half with the occupation's prop in frame and the rest without.
    ``paired``: the task compares the two images of each pair, so only real twins will do
    (a group-annotated pool of unrelated images answers the others)."""

    kind: ClassVar[str] = "twins"
    pairs: int
    props: Literal["visible", "hidden", "half"] = "visible"
    paired: bool = False


@dataclass(frozen=True, kw_only=True)
class Canaries(SampleRequest):
    """One text-only sample per canary record planted in training (id ``canary<i>``), its
    ``member`` flag, ``prompts`` and ``secrets`` (JSON lists), ``reference`` and ``pattern``."""

    kind: ClassVar[str] = "canaries"


@dataclass(frozen=True, kw_only=True)
class Probes(SampleRequest):
    """Safety requests whose ``harmful`` flag equals ``harmful``: from the ``probes`` set (a
    shipped name or a JSONL path) in ``sets``, at most ``n``, interleaved across categories."""

    kind: ClassVar[str] = "probes"
    harmful: bool
    probes: str
    sets: tuple[str, ...]
    n: int | None = None


@dataclass(frozen=True, kw_only=True)
class Prompts(SampleRequest):
    """Text prompts naming the source's subjects (for text-side bias measures)."""

    kind: ClassVar[str] = "prompts"


@dataclass(frozen=True, kw_only=True)
class MembershipPool(SampleRequest):
    """``n`` members of the training pool ``recipe`` draws (or the scenes of ``member_seed``),
    then ``n`` fresh scenes of ``nonmember_seed`` drawn the same way; labels ``caption``,
    ``member``. The task reads the recipe from the model that was trained on it (a zoo
    organism's card); ``organism`` only names the pool in the samples' provenance."""

    kind: ClassVar[str] = "membership_pool"
    organism: str
    recipe: PoolRecipe
    n: int
    member_seed: int | None
    nonmember_seed: int


class NotSupplied(DataError):
    """The source has no samples of the kind a task asks for (a benchmark of harmful requests
    has no benign rows, no scenes): a pillar suite leaves that task out, naming why."""


@dataclass(frozen=True)
class DataSummary:
    """What ``vlmtrust data check`` prints and the run header records of a loaded source."""

    name: str
    size: int
    fingerprint: str | None
    #: split -> category -> rows
    counts: dict[str, dict[str, int]]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadOptions:
    """How a source that reads files loads them (the run's --limit, --on-bad-data, pixel cap)."""

    on_bad: OnBad = "fail"
    limit: int | None = None
    max_pixels: int | None = DEFAULT_MAX_PIXELS


class DataSource(ABC):
    """A registered data source: opened once per run from ``--data``, then asked per task."""

    #: its name in the registry (and the prefix of ``--data NAME:PATH``)
    name: ClassVar[str]
    #: for ``vlmtrust data list``: the layout it reads, the tasks it feeds, where users get it,
    #: under which licence
    expects: ClassVar[str] = ""
    feeds: ClassVar[str] = "every task (each asks for the kind of samples it needs)"
    get_it: ClassVar[str] = ""
    licence: ClassVar[str] = ""

    @classmethod
    @abstractmethod
    def open(cls, path: str, options: LoadOptions) -> DataSource:
        """The source for ``path`` (empty when ``--data NAME:`` names none), loaded and checked
        up front so a bad input fails before a scan starts."""

    @abstractmethod
    def samples(self, request: SampleRequest) -> list[Sample]:
        """The samples answering ``request``, always in the same order with the same ids."""

    @property
    def skipped(self) -> tuple[BadItem, ...]:
        """Entries that could not become samples (listed, never dropped silently)."""
        return ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems that do not stop a scan (a short copy of a benchmark), shown and recorded."""
        return ()

    def summary(self) -> DataSummary | None:
        """Size, content fingerprint and counts per split and category (None: the source
        generates its data, it has no copy to describe)."""
        return None

    @property
    def group_attributes(self) -> dict[str, tuple[str, ...]]:
        """Each group attribute its samples carry (a ``Sample.groups`` key) with its values in
        the data set's own words; a pillar suite runs each group-comparing task once per
        attribute (empty: the tasks' own ``group`` parameter, as with the world)."""
        return {}

    #: labels a task that takes its classes from the data predicts, first choice first (the
    #: first that is not the group compared)
    class_labels: ClassVar[tuple[str, ...]] = ()
    #: every label its samples carry, where the source knows (None: it does not, as with a
    #: user's folder): a pillar suite leaves out a task whose ``label`` is not among them
    labels_carried: ClassVar[frozenset[str] | None] = None

    @classmethod
    def label_values(cls, label: str) -> tuple[str, ...] | None:
        """Every value ``label`` takes in this source, when the source knows (None: it does
        not), so a small --limit does not shrink a task's class set."""
        return None

    def identity(self, request: SampleRequest) -> str | None:
        """A fingerprint of the answer to ``request`` that changes whenever the answer could
        (its ids, labels or image bytes), known without drawing it: a scan that has drawn the
        answer once keeps each sample's content hash under it and plans a re-run without
        rendering or encoding anything. None (the default): the source has no such identity,
        and a scan draws its samples as they are."""
        return None

    def batches(self, request: SampleRequest, size: int) -> Iterator[list[Sample]]:
        """The answer to ``request`` in order, ``size`` samples at a time, so the first drawing
        of a large answer never holds every image at once (the default slices ``samples``)."""
        answer = self.samples(request)
        for start in range(0, len(answer), size):
            yield answer[start : start + size]

    def render(self, request: SampleRequest, positions: Sequence[int]) -> list[Sample]:
        """The samples at ``positions`` of the answer to ``request``, images included: what a
        scan draws only for the results it must run (the default draws the whole answer)."""
        answer = self.samples(request)
        return [answer[i] for i in positions]

    def cannot_supply(self, request: SampleRequest) -> NotSupplied:
        """The one-line error for a kind this source does not have."""
        who = f", which {request.task} needs" if request.task else ""
        return NotSupplied(
            f"the {self.name} data source cannot supply {request.kind} samples{who}",
            "run without --data (the world source draws them), or leave this task out",
        )


def label_vocabulary(label: str, samples: Sequence[Sample]) -> tuple[str, ...] | None:
    """The full value set of ``label`` when every sample comes from one registered source that
    knows it (read from the samples' ``source`` provenance, ``NAME:...``), else None."""
    from vlmtrust.plugins import DATA_SOURCES

    names = {(s.source or "").split(":", 1)[0] for s in samples if ":" in (s.source or "")}
    if not samples or len(names) != 1 or any(":" not in (s.source or "") for s in samples):
        return None
    name = names.pop()
    return DATA_SOURCES.get(name).label_values(label) if name in DATA_SOURCES else None
