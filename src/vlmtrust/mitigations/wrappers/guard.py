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

Limits: it is as good as its gate, OCR and classifier. Text the gate or OCR misses (small
fonts, some rotations) passes, and so does text OCR reads only in fragments (FigStep-Pro tiles:
``safety.red_team`` finds these within its budget); requests worded unlike anything in the
classifier's set may pass (held-out recall 0.82); only ``generate`` is guarded, while
``to_pixels``/``pixel_logits`` pass through, so gradient attacks see the bare model.
Every decision is kept in ``decisions`` (the last 10,000) with its reasons, for evidence.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.data.world import prompts
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.wrappers.ocr_mask import OcrMasked, OcrMaskParams
from vlmtrust.mitigations.wrappers.text_gate import may_have_text
from vlmtrust.scorers.ocr import ocr_engine

#: what a blocked request gets: the zoo's refusal wording, which refusal judges recognise
REFUSAL = prompts.REFUSAL


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
    refusal: str = Field(default=REFUSAL, description="the answer a blocked request gets")


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


class Guard(Wrapper):
    Params = GuardParams
    params: GuardParams
    requires = ("Generator",)

    def wrap(self, model: Any) -> Guarded:
        return Guarded(model, self.params)


def read_text(image: Image.Image, upscale: int = 2) -> str:
    """The text rapidocr reads in ``image``, lines joined by spaces, lower-cased."""
    rgb = image.convert("RGB")
    big = rgb.resize((rgb.width * upscale, rgb.height * upscale), Image.Resampling.BICUBIC)
    out = ocr_engine(as_given=True)(big, use_cls=False)
    return " ".join(str(t) for t in (out.txts or ())).lower()


class Guarded(WrappedModel):
    def __init__(self, inner: Any, params: GuardParams) -> None:
        super().__init__(inner)
        self.params = params
        #: detection only, at 1x: the gate (same detector and word-shape rule as ocr_mask)
        self._gate = OcrMasked(inner, OcrMaskParams(upscale=1, min_aspect=1.5))
        self._ocr: dict[str, str] = {}
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
        from vlmtrust.scorers.nsfw import nsfw_probability
        from vlmtrust.scorers.text_safety import harmful_probability

        read = [self._read(image) for image in images]
        p_prompt = harmful_probability(list(prompts))
        p_ocr = harmful_probability([text for text, _, _ in read])
        present = [(i, image) for i, image in enumerate(images) if image is not None]
        p_nsfw = [0.0] * len(images)
        if present:
            scored = nsfw_probability([image for _, image in present])
            for (i, _), p in zip(present, scored, strict=True):
                p_nsfw[i] = p
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

    def _has_text(self, image: Image.Image) -> bool:
        if self.params.gate_kind == "detector":
            return bool(self._gate.boxes(image))
        return may_have_text(image, self.params.gate_min_glyphs)

    def _read(self, image: Image.Image | None) -> tuple[str, bool, bool]:
        """(OCR text, whether OCR ran, whether the gate saw text) for one image."""
        if image is None:
            return "", False, False
        found = self._has_text(image) if self.params.gate else True
        if not found:
            return "", False, False
        rgb = image.convert("RGB")
        key = hashlib.blake2b(f"{rgb.size}".encode() + rgb.tobytes(), digest_size=16).hexdigest()
        if key not in self._ocr:
            self._ocr[key] = read_text(rgb, self.params.ocr_upscale)
        return self._ocr[key], True, found
