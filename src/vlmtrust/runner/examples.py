"""The report's evidence gallery: after aggregation, store a few samples per condition with the
image the model saw, the prompt, the answer and the judge's verdict.

The image is rebuilt by re-applying the (pure) attack to the clean sample rather than stored
during scoring, so scoring stays lean; attacks that need the model (gradient attacks) are
not re-run here, and their examples carry no image. A failed example whose model and task allow
it also carries a saliency overlay of that image (``runner.saliency``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from PIL import Image

from vlmtrust.attacks.base import Attack
from vlmtrust.core.records import Sample, Score, encode_png
from vlmtrust.runner.lazy import position
from vlmtrust.store import ResultStore, StoredExample, StoredResult

THUMBNAIL_PX = 128
MAX_TEXT = 1500

#: a saliency overlay PNG for an attacked image and the example's decisive score, or None
Explain = Callable[[Image.Image, Score], bytes | None]


def build_examples(
    picks: Sequence[tuple[str, str]],
    conditions: Mapping[str, tuple[Attack, Mapping[str, Sample], Mapping[str, StoredResult]]],
    task: str,
    mitigation: str,
    model: str,
    explain: Explain | None = None,
) -> list[StoredExample]:
    """One example per picked (attack label, sample id) that the condition still holds, with a
    saliency overlay where ``explain`` gives one."""
    out: list[StoredExample] = []
    for attack_label, sample_id in picks:
        attack, samples, results = conditions[attack_label]
        sample, result = samples.get(sample_id), results.get(sample_id)
        if sample is None or result is None or not result.scores:
            continue
        score = _decisive(result.scores)
        image = _attacked_image(attack, sample)
        out.append(
            StoredExample(
                task=task,
                attack=attack_label,
                mitigation=mitigation,
                model=model,
                sample_id=sample_id,
                image=_thumbnail(image),
                prompt=_text(score.details.get("prompt") or _attacked_prompt(attack, sample)),
                # "response" is the convention; robustness.vqa predates it and says "answer"
                response=_text(score.details.get("response", score.details.get("answer"))),
                metric=score.metric,
                value=score.value,
                label=score.label,
                reason=_text(score.reason),
                unscorable=score.unscorable,
                truth=dict(sample.labels),
                saliency=explain(image, score) if explain and image is not None else None,
            )
        )
    return out


class FetchedOnGet(Mapping[str, StoredResult]):
    """A condition's stored results by sample id, each read from the store when looked up: the
    gallery shows a few, so aggregation need not hold every result while it picks them."""

    def __init__(self, store: ResultStore, samples: Sequence[Sample], keys: Sequence[str]) -> None:
        self._store = store
        self._samples = samples  # the plan's, in the order of ``keys``
        self._keys = keys

    def __getitem__(self, sample_id: str) -> StoredResult:
        found = self._store.fetch([self._keys[position(self._samples, sample_id)]])
        if not found:
            raise KeyError(sample_id)
        return found[0]

    def __iter__(self) -> Iterator[str]:
        stored = self._store.stored_keys(self._keys)
        pairs = zip(self._samples, self._keys, strict=True)
        return (s.id for s, key in pairs if key in stored)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _decisive(scores: Sequence[Score]) -> Score:
    """The score a reader should see first: an unscorable one, else the first."""
    return next((s for s in scores if s.unscorable), scores[0])


def _attacked_prompt(attack: Attack, sample: Sample) -> str | None:
    if attack.requires:
        return sample.prompt
    return attack.apply(sample).prompt


def _attacked_image(attack: Attack, sample: Sample) -> Image.Image | None:
    """The image the model saw, at full size (None where it cannot be rebuilt)."""
    if sample.image is None or attack.requires:
        return None
    attacked = attack.apply(sample)
    if attacked.image is None:  # the attack took the image away (text_only on an image row)
        return None
    return attacked.load_image()


def _thumbnail(image: Image.Image | None) -> bytes | None:
    if image is None:
        return None
    image = image.copy()
    if max(image.size) > THUMBNAIL_PX:
        image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    return encode_png(image)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
