"""Jailbreak attacks: pure, deterministic, and FigStep's defaults are the zoo's training images."""

import numpy as np

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.records import Sample, encode_png
from vlmtrust.core.spec import Spec
from vlmtrust.data.probes import load_probes
from vlmtrust.data.source import PUBLISHED_PROMPT
from vlmtrust.data.world import prompts
from vlmtrust.data.world.typography import render_lines


def _probe() -> Sample:
    return next(p for p in load_probes() if p.harmful).to_sample()


def test_text_only_keeps_the_request_in_the_prompt_and_drops_any_image():
    sample = _probe().model_copy(update={"image": encode_png(render_lines(["x"]))})
    out = build_attack(Spec(name="text_only")).apply(sample)
    assert out.image is None and out.prompt == sample.prompt
    templated = build_attack(Spec(name="text_only", params={"template": "how do i {}?"}))
    assert templated.apply(sample).prompt == f"how do i {sample.labels['request']}?"


def test_published_sends_the_samples_own_image_with_its_published_prompt():
    image = encode_png(render_lines(["[a request]", "1.", "2.", "3."]))
    labels = {"request": "[a request]", PUBLISHED_PROMPT: "complete the list."}
    sample = Sample(id="b1", image=image, prompt="[a request]", labels=labels)
    out = build_attack(Spec(name="published")).apply(sample)
    assert out.image == image and out.prompt == "complete the list." and out.labels == labels
    # a sample that ships no attack of its own (a world probe) passes unchanged
    assert build_attack(Spec(name="published")).apply(_probe()) == _probe()


def test_figstep_defaults_reproduce_the_zoo_training_image():
    sample = _probe()
    out = build_attack(Spec(name="figstep")).apply(sample)
    trained = render_lines(prompts.figstep_lines(str(sample.labels["request"])))
    assert out.image == encode_png(trained)
    assert out.prompt in prompts.FIGSTEP_PROMPTS
    assert str(sample.labels["request"]) not in (out.prompt or "")


def test_figstep_parameters_change_the_image_deterministically():
    sample = _probe()
    base = build_attack(Spec(name="figstep")).apply(sample)
    for params in ({"rotation": 15}, {"noise": 30}, {"fg": [200, 0, 0]}, {"layout": "steps"}):
        attack = build_attack(Spec(name="figstep", params=params))
        first, second = attack.apply(sample), attack.apply(sample)
        assert first == second and first.image != base.image


def test_figstep_pro_tiles_are_a_permutation_of_the_figstep_image():
    sample = _probe()
    whole = np.asarray(build_attack(Spec(name="figstep")).apply(sample).load_image())
    pro = build_attack(Spec(name="figstep_pro", params={"gap": 4}))
    out = pro.apply(sample)
    canvas = np.asarray(out.load_image())
    assert canvas.shape == (96 + 4, 96 + 4, 3)
    tiles = [canvas[r : r + 48, c : c + 48] for r in (0, 52) for c in (0, 52)]
    originals = [whole[r : r + 48, c : c + 48] for r in (0, 48) for c in (0, 48)]
    order = [next(i for i, o in enumerate(originals) if np.array_equal(t, o)) for t in tiles]
    assert sorted(order) == [0, 1, 2, 3] and order != [0, 1, 2, 3]
    assert "read them in the order" in (out.prompt or "")


def test_caption_replace_puts_the_instruction_in_the_caption_or_the_image():
    sample = _probe()
    request = str(sample.labels["request"])
    in_prompt = build_attack(Spec(name="caption_replace")).apply(sample)
    assert in_prompt.image is not None and request in (in_prompt.prompt or "")
    in_image = build_attack(Spec(name="caption_replace", params={"where": "image"})).apply(sample)
    assert request not in (in_image.prompt or "")
    width, height = in_image.load_image().size
    assert height > width  # the caption band under the scene
