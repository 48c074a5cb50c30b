"""Saliency maps of zoo:clip's answers (real model, real attacks): a written word draws the map
of the class it names, the overlay is a gallery-sized PNG, and a variant whose pixel path
bypasses its mitigation gets no map."""

import io

import numpy as np
import pytest
from PIL import Image

from vlmtrust.attacks.base import build_attack
from vlmtrust.attacks.typographic import WORD_LABEL
from vlmtrust.core.records import Score
from vlmtrust.core.spec import Spec
from vlmtrust.data import world
from vlmtrust.models.base import resolve_model
from vlmtrust.runner.saliency import (
    Explainer,
    failure_saliency,
    faithful,
    overlay_png,
    saliency_map,
)
from vlmtrust.runner.saliency_focus import mass_ratio, word_boxes
from vlmtrust.tasks.base import build_task

PROMPTS = [f"a photo of a {s}." for s in world.SHAPES]


@pytest.fixture(scope="module")
def clip():
    return resolve_model("zoo:clip").load()


def test_a_written_word_draws_the_map_of_the_class_it_names(clip):
    """The map is blind to the word if its mass in the word's boxes is the boxes' area share
    (ratio 1): over a few scenes the ratio must be above that, and above the same boxes'
    ratio on the clean image."""
    attack = build_attack(Spec(name="typographic"))
    attacked_ratios, clean_ratios = [], []
    for scene in world.generate(5, 4):
        attacked = attack.apply(scene)
        clean, written = scene.load_image(), attacked.load_image()
        mask = word_boxes(clean, written)
        word = world.SHAPES.index(str(attacked.labels[WORD_LABEL]))
        attacked_ratios.append(mass_ratio(saliency_map(clip, written, PROMPTS, word), mask))
        clean_ratios.append(mass_ratio(saliency_map(clip, clean, PROMPTS, word), mask))
    assert np.mean(attacked_ratios) > 1.0
    assert np.mean(attacked_ratios) > np.mean(clean_ratios)


def test_word_boxes_cover_the_ink_and_little_else():
    scene = world.generate(3, 1)[0]
    clean = scene.load_image()
    written = build_attack(Spec(name="typographic", params={"repeat": 1})).apply(scene)
    mask = word_boxes(clean, written.load_image())
    ink = np.any(np.asarray(clean) != np.asarray(written.load_image()), axis=-1)
    assert mask[ink].all() and 0 < mask.mean() < 0.5


def test_the_overlay_is_a_png_at_the_gallery_size_hot_where_the_map_is():
    image = Image.new("RGB", (96, 96), (200, 200, 200))
    heat = np.zeros((64, 64))
    heat[:16, :16] = 1.0
    overlay = Image.open(io.BytesIO(overlay_png(image, heat, thumbnail_px=48)))
    assert overlay.size == (48, 48)
    pixels = np.asarray(overlay, dtype=int)
    hot, cold = pixels[2, 2], pixels[-3, -3]
    assert hot[0] - hot[1] > 100 and abs(int(cold[0]) - int(cold[1])) < 10


def test_maps_only_where_pixel_logits_is_the_model_that_answered():
    assert faithful(())
    assert faithful((Spec(name="temperature_scaling"),))  # it scales pixel_logits too
    assert not faithful((Spec(name="ocr_mask"),))  # masks classify's input, not the gradient's


def test_only_a_failed_example_gets_a_map(clip):
    task = build_task(Spec(name="robustness.typographic")).resolve(world.generate(0, 20))
    explain = failure_saliency(task, (), Explainer(resolve_model("zoo:clip"), thumbnail_px=64))
    image = world.generate(0, 1)[0].load_image()
    wrong = Score(sample_id="s", metric="correct", value=0.0, label="hexagon")
    right = Score(sample_id="s", metric="correct", value=1.0, label="hexagon")
    unknown = Score(sample_id="s", metric="correct", value=0.0, label="not a class")
    assert explain(image, right) is None and explain(image, unknown) is None
    png = explain(image, wrong)
    assert png is not None and Image.open(io.BytesIO(png)).size == (64, 64)
