"""OCR masking with the real rapidocr detector and the real zoo:clip, against the typographic
attack it exists for."""

from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.capabilities import capabilities_of
from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.wrappers.ocr_mask import OcrMasked
from vlmtrust.models.base import resolve_model
from vlmtrust.runner import run

N = 40


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="module")
def attacked() -> list[tuple[Image.Image, Image.Image]]:
    """(clean, attacked) world scenes, the word written by the default typographic attack."""
    attack = build_attack(Spec(name="typographic"))
    return [(s.load_image(), attack.apply(s).load_image()) for s in world.generate(0, N)]


def _word_pixels(clean: Image.Image, attacked: Image.Image) -> np.ndarray:
    return np.abs(np.asarray(clean, int) - np.asarray(attacked, int)).sum(axis=2) > 0


def test_mask_finds_and_blurs_the_written_word(attacked):
    wrapper = build_mitigation(Spec(name="ocr_mask")).wrap(object())
    found = 0
    for clean, image in attacked:
        word = _word_pixels(clean, image)
        boxed = np.zeros_like(word)
        for left, top, right, bottom in wrapper.boxes(image):
            boxed[top:bottom, left:right] = True
        found += (boxed & word).sum() >= 0.8 * word.sum()
        if boxed.any():  # the word's pixels are no longer the ink that was written
            masked = np.asarray(wrapper.mask(image), int)
            assert (masked[word] != np.asarray(image, int)[word]).any()
    assert found / len(attacked) >= 0.8  # measured: 0.91 on 100 scenes (both copies)
    # clean scenes hold no text: the mask leaves nearly all of them untouched
    untouched = sum(wrapper.mask(clean) is clean for clean, _ in attacked)
    assert untouched / len(attacked) >= 0.9


def test_wrapper_keeps_capabilities_caches_detection_and_passes_gradients_through(
    clip, attacked, monkeypatch
):
    wrapped = build_mitigation(Spec(name="ocr_mask")).wrap(clip)
    assert isinstance(wrapped, OcrMasked)
    assert capabilities_of(wrapped) == capabilities_of(clip)
    detected: list[Image.Image] = []
    real = wrapped._detect
    monkeypatch.setattr(wrapped, "_detect", lambda image: detected.append(image) or real(image))
    images = [image for _, image in attacked[:4]]
    wrapped.classify(images, [f"a photo of a {s}." for s in world.SHAPES])
    wrapped.classify(images, [f"a photo of a {c}." for c in world.COLOURS])
    wrapped.encode_image(images)
    assert len(detected) == 4  # one detection per distinct image, whatever it is asked
    assert wrapped.calls == clip.calls
    # the mask is not differentiable: gradient attacks see the unmasked model
    assert wrapped.pixel_logits == clip.pixel_logits
    assert wrapped.to_pixels == clip.to_pixels


class _Generator:
    """A Generator and nothing else, recording what it was shown."""

    calls = 0

    def __init__(self) -> None:
        self.seen: list[Image.Image | None] = []

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        self.seen.extend(images)
        return ["ok"] * len(prompts)


def test_generator_sees_masked_images_and_gains_no_capability(attacked):
    inner = _Generator()
    wrapped = build_mitigation(Spec(name="ocr_mask")).wrap(inner)
    assert capabilities_of(wrapped) == capabilities_of(inner) == {"Generator"}
    clean, image = attacked[0]
    assert wrapped.generate([image, None], ["what is written?", "hello"]) == ["ok", "ok"]
    shown, nothing = inner.seen
    assert nothing is None
    word = _word_pixels(clean, image)
    assert (np.asarray(shown, int)[word] != np.asarray(image, int)[word]).any()


def test_scan_lowers_typographic_attack_success_at_small_clean_cost(tmp_path):
    task = Spec(name="robustness.typographic", params={"n": N})
    config = RunConfig(
        model="zoo:clip",
        tasks=(task,),
        mitigations=("ocr_mask",),
        out=tmp_path,
        show_progress=False,
    )
    rows = {(r.mitigation, r.attack, r.metric): r.value for r in run(config).metrics}
    # issue 8's acceptance: attack success <= 0.1 with the mask, at <= 2 points clean cost.
    # Measured on zoo:clip, n=200: attack success 0.69 -> 0.035, clean accuracy 1.0 -> 1.0
    base, masked = (
        rows[("none", "typographic", "attack_success")],
        rows[("ocr_mask", "typographic", "attack_success")],
    )
    assert base is not None and masked is not None
    assert base >= 0.5 and masked <= 0.1
    clean_cost = rows[("none", "none", "accuracy")] - rows[("ocr_mask", "none", "accuracy")]
    assert clean_cost <= 0.02
    assert rows[("ocr_mask", "typographic", "accuracy")] > rows[("none", "typographic", "accuracy")]
