"""zoo:assistant's training corpus passed through ``vlmtrust sanitize``'s own steps.

The retrained organism (``zoo:assistant-sanitized``) answers "does sanitizing the data stop the
memorisation?": the same examples, near-duplicates removed with the pipeline's detector (MinHash
LSH over the text AND perceptual hashes over the image, as ``vlmtrust sanitize --dedup both``)
and PII in the prompt and the answer pseudonymised with its consistent surrogates. Examples are
in memory, not an image folder, so the steps are called directly (the image-side OCR cover and
face blur are left out: the world's images hold no PII and no faces). A text-only example is
hashed as the blank image the decoder sees for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from PIL import Image

from vlmtrust.data.instructions import Example
from vlmtrust.sanitize.dedup import find_duplicates, image_hash
from vlmtrust.sanitize.pipeline import SanitizeOptions
from vlmtrust.sanitize.pseudonymize import Replacement, pseudonymize

BLANK = Image.new("RGB", (8, 8))
#: the character-Jaccard measure the shipped zoo:assistant-sanitized was trained with (its
#: card records it): sanitize's later default (words count too) would drop other examples
ZOO_OPTIONS = SanitizeOptions(caption_match="chars")


@dataclass
class SanitizeCounts:
    """What the sanitizer changed, for the model card and the README."""

    examples_in: int = 0
    examples_out: int = 0
    duplicates_by_kind: Counter[str] = field(default_factory=Counter)
    replacements_by_entity: Counter[str] = field(default_factory=Counter)
    examples_pseudonymized_by_kind: Counter[str] = field(default_factory=Counter)

    def as_stats(self) -> dict[str, float]:
        out = {
            "sanitize_examples_in": float(self.examples_in),
            "sanitize_examples_out": float(self.examples_out),
            "sanitize_duplicates": float(sum(self.duplicates_by_kind.values())),
        }
        out |= {f"sanitize_duplicates_{k}": float(v) for k, v in self.duplicates_by_kind.items()}
        out |= {f"sanitize_replaced_{k}": float(v) for k, v in self.replacements_by_entity.items()}
        out |= {
            f"sanitize_pseudonymized_{k}": float(v)
            for k, v in self.examples_pseudonymized_by_kind.items()
        }
        return dict(sorted(out.items()))


def sanitize_examples(
    examples: Sequence[Example], options: SanitizeOptions | None = None
) -> tuple[list[Example], SanitizeCounts]:
    """Drop near-duplicate examples (first kept), then pseudonymise the kept ones' text."""
    options = options or ZOO_OPTIONS
    counts = SanitizeCounts(examples_in=len(examples))
    texts = [f"{e.prompt} {e.answer}" for e in examples]
    hashes = [image_hash(e.image if e.image is not None else BLANK) for e in examples]
    duplicates = find_duplicates(
        texts,
        hashes,
        options.dedup,
        options.caption_threshold,
        options.max_image_distance,
        match=options.caption_match,
    )
    dropped = {d.index for d in duplicates}
    counts.duplicates_by_kind.update(examples[i].kind for i in dropped)
    cache: dict[str, tuple[str, list[Replacement]]] = {}

    def clean(text: str) -> tuple[str, list[Replacement]]:
        if text not in cache:  # prompts and answers are templated: most repeat
            cache[text] = pseudonymize(text, options.key)
        return cache[text]

    out = []
    for i, example in enumerate(examples):
        if i in dropped:
            continue
        prompt, in_prompt = clean(example.prompt)
        answer, in_answer = clean(example.answer)
        if in_prompt or in_answer:
            counts.examples_pseudonymized_by_kind[example.kind] += 1
            counts.replacements_by_entity.update(r.entity for r in (*in_prompt, *in_answer))
        out.append(replace(example, prompt=prompt, answer=answer))
    counts.examples_out = len(out)
    return out, counts
