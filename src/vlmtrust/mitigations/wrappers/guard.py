"""Input guard around any Generator: read the image, classify what is asked, block or pass.

Against FigStep-style attacks (the harmful request moved into the image) a filter has to read
the image. For every request the guard:

1. runs a text-presence gate: by default (``gate_kind="pixels"``) a pixel-level test
   (``mitigations/wrappers/text_gate.py``: glyph-sized edge components in a line, ~1 ms), or
   (``gate_kind="detector"``) rapidocr's detector alone at 1x (~0.05-0.2 s), boxes at least
   1.5x wider than tall; only if it finds text
2. runs full OCR (detection + recognition, image upscaled ``ocr_upscale`` times, ~0.1-1 s), so
   OCR is paid only by images that may carry text. ``gate=false`` runs full OCR on every image
   (the reference the benchmark compares against);
3. passes the prompt and the OCR text through the text safety classifier
   (``scorers/text_safety.py``) and the image through open_nsfw (``scorers/nsfw.py``);
4. blocks with ``refusal`` when either text's P(harmful) reaches ``block_at`` or the NSFW score
   reaches ``nsfw_block_at``; otherwise the inner model answers as usual.

Each image is converted to RGB and hashed once per request (``Prepared``), and every stage reads
that copy. ``nsfw=false`` skips open_nsfw (``p_nsfw`` NaN): a safety decision left to the user,
off by default, since open_nsfw on every image is most of what the guard costs on clean traffic.

The OCR text and NSFW score of the last ``REMEMBERED_IMAGES`` images are kept by content hash:
a proxy sees the same image again, and then pays neither.

Limits: it is as good as its gate, OCR and classifier. Text the gate or OCR misses (small
fonts, some rotations) passes, and so does text OCR reads only in fragments (FigStep-Pro tiles:
``safety.red_team`` finds these within its budget); requests worded unlike anything in the
classifier's set may pass (held-out recall 0.82); only ``generate`` is guarded, while
``to_pixels``/``pixel_logits`` pass through, so gradient attacks see the bare model.
Every decision is kept in ``decisions`` (the last 10,000) with its reasons, for evidence.

``classifier=SPEC`` (a judge, ``scorers/judges.py``: ``llama_guard:hf:DIR``,
``shieldgemma2:hf:DIR``, ``llama_guard:openai:URL#M``) replaces the text safety classifier:
the judge sees the prompt with the image (a text-only judge sees the prompt, then the OCR text
as a request of its own) and a request it finds unsafe is blocked. What it cannot judge
(garbage, no image for ShieldGemma 2) is not blocked, and the reason is kept in the decision.
The NSFW check stays. ``p_prompt``/``p_ocr`` are then NaN: a guard model gives verdicts.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.world import prompts
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.wrappers.ocr_mask import OcrMasked, OcrMaskParams
from vlmtrust.mitigations.wrappers.text_gate import may_have_text
from vlmtrust.scorers.ocr import ocr_engine

#: what a blocked request gets: the zoo's refusal wording, which refusal judges recognise
REFUSAL = prompts.REFUSAL
V = TypeVar("V")

#: images whose OCR text and NSFW score are remembered (a proxy sees the same image again)
REMEMBERED_IMAGES = 4096
#: onnxruntime threads of the guard's OCR: on a busy 2-core machine more only contend
OCR_THREADS = 1


class GuardParams(Params):
    gate: bool = Field(default=True, description="skip OCR on images the text detector finds empty")
    gate_kind: Literal["pixels", "detector"] = Field(
        default="pixels", description="pixels: the ~1 ms edge test; detector: rapidocr's detector"
    )
    gate_min_glyphs: int = Field(
        default=3, ge=1, description="in-line glyphs the pixel gate needs to send an image to OCR"
    )
    block_at: float = Field(
        default=0.5, ge=0.0, le=1.0, description="P(harmful) of the prompt or OCR text that blocks"
    )
    nsfw_block_at: float = Field(
        default=0.8, ge=0.0, le=1.0, description="open_nsfw score of the image that blocks"
    )
    ocr_upscale: int = Field(default=2, ge=1, le=4, description="image enlargement for OCR")
    nsfw: bool = Field(
        default=True,
        description="score every image with open_nsfw; false skips it (a safety decision: "
        "nothing then blocks a pornographic image without text)",
    )
    refusal: str = Field(default=REFUSAL, description="the answer a blocked request gets")
    classifier: str | None = Field(
        default=None,
        description="a guard model judging requests instead of the text classifier: "
        "llama_guard:hf:DIR, shieldgemma2:hf:DIR",
    )


@dataclass(frozen=True)
class GuardDecision:
    blocked: bool
    reasons: tuple[str, ...]
    p_prompt: float
    p_ocr: float
    p_nsfw: float
    ocr_text: str
    ocr_ran: bool
    gate_found_text: bool
    #: the guard model's verdict reasons (``classifier=``), empty otherwise
    verdicts: tuple[str, ...] = ()


class Guard(Wrapper):
    Params = GuardParams
    params: GuardParams
    requires = ("Generator",)
    acts_on = frozenset({"generate", "inspect"})

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.spec = without_unset(self.spec, "classifier")
        if self.params.classifier:
            from vlmtrust.scorers.judges import lookup

            judge = lookup(self.params.classifier)  # a bad spec fails before the run
            if not judge.judges_requests:
                raise ConfigError(
                    f"classifier {self.params.classifier} grades answers, not requests",
                    "use llama_guard:SPEC or shieldgemma2:hf:DIR as the guard's classifier",
                )

    def wrap(self, model: Any) -> Guarded:
        return Guarded(model, self.params)


def without_unset(spec: Spec, name: str) -> Spec:
    """``spec`` without parameter ``name`` when it is unset: the cache key stays what it was
    before the parameter existed."""
    if spec.params.get(name) is not None:
        return spec
    return Spec(name=spec.name, params={k: v for k, v in spec.params.items() if k != name})


def read_text(image: Image.Image, upscale: int = 2) -> str:
    """The text rapidocr reads in ``image``, lines joined by spaces, lower-cased."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    big = rgb.resize((rgb.width * upscale, rgb.height * upscale), Image.Resampling.BICUBIC)
    out = ocr_engine(as_given=True, threads=OCR_THREADS)(big, use_cls=False)
    return " ".join(str(t) for t in (out.txts or ())).lower()


class Guarded(WrappedModel):
    def __init__(self, inner: Any, params: GuardParams) -> None:
        super().__init__(inner)
        self.params = params
        #: detection only, at 1x: the gate (same detector and word-shape rule as ocr_mask)
        self._gate = OcrMasked(inner, OcrMaskParams(upscale=1, min_aspect=1.5))
        #: per image (by content hash): OCR text and open_nsfw score, the least recent dropped
        self._ocr: OrderedDict[str, str] = OrderedDict()
        self._nsfw: OrderedDict[str, float] = OrderedDict()
        self._judge: Any = None
        if params.classifier:
            from vlmtrust.scorers.judges import lookup

            self._judge = lookup(params.classifier)
        self.decisions: deque[GuardDecision] = deque(maxlen=10_000)

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        decisions = self.inspect(images, prompts)
        passed = [i for i, d in enumerate(decisions) if not d.blocked]
        answers = [self.params.refusal] * len(prompts)
        if passed:
            inner = self.inner.generate([images[i] for i in passed], [prompts[i] for i in passed])
            for i, answer in zip(passed, inner, strict=True):
                answers[i] = answer
        return answers

    def inspect(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str]
    ) -> list[GuardDecision]:
        """The guard's decision for each request, without calling the inner model."""
        from vlmtrust.scorers.text_safety import harmful_probability

        prepared = [None if image is None else Prepared.of(image) for image in images]
        read = [self._read(image, ready) for image, ready in zip(images, prepared, strict=True)]
        if self._judge is not None:
            return self._inspect_judged(images, prompts, read, prepared)
        p_prompt = harmful_probability(list(prompts))
        p_ocr = harmful_probability([text for text, _, _ in read])
        p_nsfw = self._nsfw_scores(prepared)
        out = []
        for i, (text, ran, found) in enumerate(read):
            reasons = []
            if p_prompt[i] >= self.params.block_at:
                reasons.append(f"prompt P(harmful)={p_prompt[i]:.2f}")
            if p_ocr[i] >= self.params.block_at:
                reasons.append(f"text in image {text!r} P(harmful)={p_ocr[i]:.2f}")
            if p_nsfw[i] >= self.params.nsfw_block_at:
                reasons.append(f"image NSFW score {p_nsfw[i]:.2f}")
            decision = GuardDecision(
                blocked=bool(reasons),
                reasons=tuple(reasons),
                p_prompt=float(p_prompt[i]),
                p_ocr=float(p_ocr[i]),
                p_nsfw=float(p_nsfw[i]),
                ocr_text=text,
                ocr_ran=ran,
                gate_found_text=found,
            )
            self.decisions.append(decision)
            out.append(decision)
        return out

    def _inspect_judged(
        self,
        images: Sequence[Image.Image | None],
        prompts: Sequence[str],
        read: Sequence[tuple[str, bool, bool]],
        prepared: Sequence[Prepared | None],
    ) -> list[GuardDecision]:
        """The guard model's decisions (``classifier=``): block what it finds unsafe."""
        from vlmtrust.scorers.judges import JudgeItem

        judge = self._judge
        sees_images = bool(judge.sees_images)
        items = [JudgeItem(request=p, image=i) for i, p in zip(images, prompts, strict=True)]
        first = judge.verdicts(items)
        # a judge that reads text only gets the OCR text as a request of its own
        ocr_rows = [i for i, (text, _, _) in enumerate(read) if text and not sees_images]
        ocr = dict(
            zip(
                ocr_rows,
                judge.verdicts([JudgeItem(request=read[i][0]) for i in ocr_rows]),
                strict=True,
            )
        )
        p_nsfw = self._nsfw_scores(prepared)
        out = []
        for i, (text, ran, found) in enumerate(read):
            verdicts = [first[i], *([ocr[i]] if i in ocr else [])]
            reasons = [
                f"{judge.spec} {'request' if n == 0 else f'text in image {text!r}'}: {v.reason}"
                for n, v in enumerate(verdicts)
                if v.unsafe
            ]
            if p_nsfw[i] >= self.params.nsfw_block_at:
                reasons.append(f"image NSFW score {p_nsfw[i]:.2f}")
            decision = GuardDecision(
                blocked=bool(reasons),
                reasons=tuple(reasons),
                p_prompt=float("nan"),
                p_ocr=float("nan"),
                p_nsfw=float(p_nsfw[i]),
                ocr_text=text,
                ocr_ran=ran,
                gate_found_text=found,
                verdicts=tuple(v.reason for v in verdicts),
            )
            self.decisions.append(decision)
            out.append(decision)
        return out

    def _has_text(self, image: Image.Image) -> bool:
        if self.params.gate_kind == "detector":
            return bool(self._gate.boxes(image))
        return may_have_text(image, self.params.gate_min_glyphs)

    def _read(self, image: Image.Image | None, prepared: Prepared | None) -> tuple[str, bool, bool]:
        """(OCR text, whether OCR ran, whether the gate saw text) for one image."""
        if image is None or prepared is None:
            return "", False, False
        found = self._has_text(image) if self.params.gate else True
        if not found:
            return "", False, False
        text = remembered(self._ocr, prepared.key)
        if text is None:
            text = read_text(prepared.rgb, self.params.ocr_upscale)
            remember(self._ocr, prepared.key, text)
        return text, True, found

    def _nsfw_scores(self, prepared: Sequence[Prepared | None]) -> list[float]:
        """open_nsfw's score per image (0 where there is none; NaN, never blocking, with
        ``nsfw=false``), scoring only unseen images."""
        from vlmtrust.scorers.nsfw import nsfw_probability

        if not self.params.nsfw:
            return [float("nan")] * len(prepared)
        scores = [0.0] * len(prepared)
        unseen: dict[str, list[int]] = {}
        for i, ready in enumerate(prepared):
            if ready is None:
                continue
            known = remembered(self._nsfw, ready.key)
            if known is None:
                unseen.setdefault(ready.key, []).append(i)
            else:
                scores[i] = known
        if unseen:
            firsts = [prepared[rows[0]] for rows in unseen.values()]
            fresh = nsfw_probability([ready.rgb for ready in firsts if ready is not None])
            for (key, rows), p in zip(unseen.items(), fresh, strict=True):
                remember(self._nsfw, key, p)
                for i in rows:
                    scores[i] = p
        return scores


@dataclass(frozen=True)
class Prepared:
    """One image as every stage of the guard reads it: converted to RGB once and hashed at most
    once (OCR, open_nsfw and both memories used to convert and hash it each on their own)."""

    rgb: Image.Image

    @classmethod
    def of(cls, image: Image.Image) -> Prepared:
        return cls(rgb=image if image.mode == "RGB" else image.convert("RGB"))

    @functools.cached_property
    def key(self) -> str:
        """The content hash of the RGB pixels, computed when a memory first asks for it."""
        return image_key(self.rgb)


def image_key(image: Image.Image) -> str:
    """A content hash of ``image`` (mode, size and pixels)."""
    data = f"{image.mode}{image.size}".encode() + image.tobytes()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def remembered(cache: OrderedDict[str, V], key: str) -> V | None:
    """``cache[key]`` marked as recently used, or None."""
    if key not in cache:
        return None
    cache.move_to_end(key)
    return cache[key]


def remember(cache: OrderedDict[str, V], key: str, value: V) -> None:
    """Store ``value``, dropping the least recently used entry beyond ``REMEMBERED_IMAGES``."""
    cache[key] = value
    if len(cache) > REMEMBERED_IMAGES:
        cache.popitem(last=False)
