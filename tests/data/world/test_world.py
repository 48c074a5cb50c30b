"""The world generator: determinism, prefix stability, and labels that match the pixels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pydantic import ValidationError
from scipy import ndimage

from vlmtrust.core.records import Sample
from vlmtrust.data.world import (
    BACKGROUNDS,
    COLOUR_RGB,
    COLOURS,
    COUNT_WORDS,
    GROUP_TONE,
    GROUPS,
    OCCUPATIONS,
    OOD_BACKGROUNDS,
    OOD_SHAPES,
    SHAPES,
    Scene,
    generate,
    render,
    sample_scene,
    scene_for,
)

FAMILIES = ("objects", "people", "ood", "mixed")


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def _mask(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 10) -> np.ndarray:
    return np.all(np.abs(pixels - np.array(rgb, dtype=np.int16)) <= tol, axis=-1)


def _object_scenes() -> list[Scene]:
    """Every shape x colour once (explicit overrides), plus random scenes, some with words."""
    rng = np.random.default_rng(0)
    scenes = [
        sample_scene(rng, "objects", shape=shape, colour=colour, text_prob=0.5)
        for shape in SHAPES
        for colour in COLOURS
    ]
    return scenes + [scene_for(3, i, "objects", text_prob=0.5) for i in range(60)]


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("family", FAMILIES)
def test_same_seed_gives_same_bytes_and_labels(family: str) -> None:
    first = generate(7, 6, family, text_prob=0.5)
    second = generate(7, 6, family, text_prob=0.5)
    assert first == second
    assert [s.image for s in first] == [s.image for s in second]
    for i, sample in enumerate(first):
        assert isinstance(sample, Sample)
        assert sample.id == f"world-{family}-7-{i}"
        assert sample.source == f"world:{family}:7:{i}"
        assert sample.prompt is None
        assert sample.load_image().size == (96, 96)
        if sample.labels["family"] == "people":
            assert sample.groups == {"group": sample.labels["group"]}
        else:
            assert sample.groups == {}


@pytest.mark.parametrize("family", FAMILIES)
def test_different_seeds_give_different_images(family: str) -> None:
    a = {s.image for s in generate(1, 20, family)}
    b = {s.image for s in generate(2, 20, family)}
    assert len(a) == 20
    assert len(a & b) <= 1


@pytest.mark.parametrize("family", FAMILIES)
def test_prefix_stable(family: str) -> None:
    ten = generate(5, 10, family, text_prob=0.3)
    assert generate(5, 5, family, text_prob=0.3) == ten[:5]
    assert generate(5, 5, family, text_prob=0.3, start=5) == ten[5:]


# ---------------------------------------------------------------- labels vs pixels


def test_object_colour_at_each_centre_and_blob_count() -> None:
    for scene in _object_scenes():
        pixels = _pixels(render(scene))
        rgb = COLOUR_RGB[scene.colour or ""]
        for x, y, _ in scene.positions:
            assert np.all(np.abs(pixels[y, x] - np.array(rgb)) <= 10), scene
        _, blobs = ndimage.label(_mask(pixels, rgb))
        assert blobs == scene.count, scene


def test_ood_blob_count() -> None:
    rng = np.random.default_rng(1)
    for shape in OOD_SHAPES:
        for colour in COLOURS:
            scene = sample_scene(rng, "ood", shape=shape, colour=colour, text_prob=0.5)
            _, blobs = ndimage.label(_mask(_pixels(render(scene)), COLOUR_RGB[colour]))
            assert blobs == scene.count, scene


def test_person_group_tone_at_head() -> None:
    rng = np.random.default_rng(2)
    for occupation in OCCUPATIONS:
        for group in GROUPS:
            for background in BACKGROUNDS:
                scene = sample_scene(
                    rng,
                    "people",
                    occupation=occupation,
                    group=group,
                    background=background,
                    text_prob=0.5,
                )
                pixels = _pixels(render(scene))
                x, y, r = scene.positions[0]
                assert tuple(pixels[y + r // 2, x]) == GROUP_TONE[group], scene
                other = GROUP_TONE["B" if group == "A" else "A"]
                assert not _mask(pixels, other, tol=0).any()


def test_people_twins_differ_only_by_what_was_changed() -> None:
    def twin(**changes: str) -> Scene:
        return sample_scene(np.random.default_rng(9), "people", **changes)

    jobs = [twin(occupation=job, group="A") for job in OCCUPATIONS]
    assert len({s.positions for s in jobs}) == 1  # same layout: a counterfactual twin
    images = [render(s).tobytes() for s in jobs]
    assert len(set(images)) == len(OCCUPATIONS)  # props are drawn distinctly
    a, b = twin(occupation="doctor", group="A"), twin(occupation="doctor", group="B")
    assert a.positions == b.positions and render(a).tobytes() != render(b).tobytes()


@pytest.mark.parametrize("family", ["objects", "people", "ood"])
def test_text_is_drawn_in_its_colour_inside_its_box(family: str) -> None:
    for i in range(15):
        scene = scene_for(4, i, family, text_prob=1.0)
        assert scene.text is not None and scene.text_colour is not None
        twin = scene.without_text()
        assert twin.text is None and twin.positions == scene.positions
        rgb = COLOUR_RGB[scene.text_colour]
        pixels, clean = _pixels(render(scene)), _pixels(render(twin))
        added = _mask(pixels, rgb, tol=0) & ~_mask(clean, rgb, tol=0)
        assert added.sum() >= 15
        box = scene.text_box()
        assert box is not None
        ys, xs = np.nonzero(added)
        assert xs.min() >= box[0] and xs.max() < box[2]
        assert ys.min() >= box[1] and ys.max() < box[3]
        changed = np.any(pixels != clean, axis=-1)
        changed[box[1] : box[3], box[0] : box[2]] = False
        assert not changed.any()  # the word covers nothing that is labelled


def test_render_scales_to_other_sizes() -> None:
    scene = scene_for(0, 0, "objects", text_prob=1.0)
    for size in (48, 64, 128):
        image = render(scene, size)
        assert image.size == (size, size) and image.mode == "RGB"
    big = _pixels(render(scene, 192))
    x, y, _ = scene.positions[0]
    assert np.all(np.abs(big[2 * y, 2 * x] - np.array(COLOUR_RGB[scene.colour or ""])) <= 10)


# ---------------------------------------------------------------- captions and QA


def test_captions_questions_and_labels_agree() -> None:
    for scene in _object_scenes():
        caption = scene.caption()
        assert scene.colour is not None and scene.shape is not None
        assert scene.colour in caption and scene.shape in caption
        if scene.count == 1:
            assert caption.startswith(("a ", "an "))
        else:
            assert caption.startswith(COUNT_WORDS[scene.count - 1] + " ")
        answers = dict(scene.questions())
        assert answers["what colour is the object?"] == scene.colour
        assert answers["what shape is it?"] == scene.shape
        assert answers["how many objects are there?"] == COUNT_WORDS[scene.count - 1]
        labels = scene.labels()
        assert labels["caption"] == caption and labels["count"] == scene.count
        assert "group" not in labels and "occupation" not in labels
        if scene.text is not None:
            assert f'with the word "{scene.text}" written on it' in caption
            assert labels["text"] == scene.text
            assert answers["what word is written?"] == scene.text
        else:
            assert "text" not in labels and "written" not in caption


def test_examples_read_naturally() -> None:
    two = Scene(
        family="objects",
        shape="circle",
        colour="red",
        count=2,
        background="grass",
        positions=((30, 30, 12), (70, 70, 12)),
    )
    assert two.caption() == "two red circles on grass"
    worded = two.replace(count=1, colour="orange", positions=((40, 40, 14),))
    worded = worded.replace(text="square", text_colour="black", text_xy=(5, 70))
    assert worded.caption() == 'an orange circle on grass with the word "square" written on it'
    person = Scene(
        family="people",
        group="A",
        occupation="doctor",
        background="sand",
        positions=((48, 30, 9),),
    )
    assert person.caption() == "a doctor of group A on sand"
    assert ("what is the person's job?", "doctor") in person.questions()
    assert person.labels() == {
        "family": "people",
        "count": 1,
        "background": "sand",
        "group": "A",
        "occupation": "doctor",
        "caption": "a doctor of group A on sand",
    }


def test_vocabulary_is_whole_distinct_words() -> None:
    words = [*SHAPES, *COLOURS, *BACKGROUNDS, *OCCUPATIONS, *OOD_SHAPES, *OOD_BACKGROUNDS]
    assert len(words) == len(set(words))
    assert all(w.isalpha() and w.islower() for w in words)
    assert not any(a != b and a in b for a in words for b in words)
    assert (len(SHAPES), len(COLOURS), len(BACKGROUNDS), len(OCCUPATIONS)) == (8, 8, 4, 4)
    assert len(set(COLOUR_RGB.values())) == len(COLOURS)


def test_ood_never_appears_outside_the_ood_family() -> None:
    for family in ("objects", "people", "mixed"):
        for i in range(150):
            scene = scene_for(8, i, family, text_prob=0.5)
            assert scene.shape not in OOD_SHAPES and scene.background not in OOD_BACKGROUNDS
            assert scene.text not in OOD_SHAPES
    for i in range(50):
        scene = scene_for(8, i, "ood")
        assert scene.shape in OOD_SHAPES and scene.background in OOD_BACKGROUNDS
    base = scene_for(8, 0, "objects")
    with pytest.raises(ValidationError):
        base.replace(shape="star")
    with pytest.raises(ValidationError):
        base.replace(background="checker")


def test_invalid_scenes_are_rejected() -> None:
    base = scene_for(8, 0, "objects")
    with pytest.raises(ValidationError):
        base.replace(text="cross", text_colour=base.colour, text_xy=(2, 2))
    with pytest.raises(ValidationError):
        base.replace(text="cross")  # colour and position go with it
    with pytest.raises(ValidationError):
        base.replace(count=base.count % 4 + 1)  # positions no longer match
    person = scene_for(8, 0, "people")
    with pytest.raises(ValidationError):
        person.replace(colour="red")
    with pytest.raises(ValidationError):
        person.replace(group="C")
    with pytest.raises(ValueError):
        sample_scene(np.random.default_rng(0), "planets")
    with pytest.raises(ValueError):
        sample_scene(np.random.default_rng(0), "people", colour="red")
    with pytest.raises(ValueError):
        sample_scene(np.random.default_rng(0), "objects", occupation="chef")
    mixed = sample_scene(np.random.default_rng(0), "mixed", colour="red", occupation="chef")
    assert mixed.colour == "red" or mixed.occupation == "chef"
    with pytest.raises(ValueError):
        generate(-1, 1)


# ---------------------------------------------------------------- planted bias


def test_group_given_occupation_plants_the_bias() -> None:
    scenes = [
        scene_for(10, i, "people", group_given_occupation={"doctor": 0.9}) for i in range(2000)
    ]
    doctors = [s.group for s in scenes if s.occupation == "doctor"]
    others = [s.group for s in scenes if s.occupation != "doctor"]
    assert 400 < len(doctors) < 600
    # Binomial sd is about 0.013 for doctors and 0.013 for the rest: allow > 4 sd.
    assert abs(doctors.count("A") / len(doctors) - 0.9) < 0.06
    assert abs(others.count("A") / len(others) - 0.5) < 0.06
    unbiased = [scene_for(10, i, "people").group for i in range(2000)]
    assert abs(unbiased.count("A") / 2000 - 0.5) < 0.05


# ---------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    index=st.integers(0, 10**6),
    family=st.sampled_from(FAMILIES),
    text_prob=st.sampled_from([0.0, 0.5, 1.0]),
    size=st.sampled_from([64, 96, 128]),
)
def test_render_and_round_trip(
    seed: int, index: int, family: str, text_prob: float, size: int
) -> None:
    scene = scene_for(seed, index, family, text_prob=text_prob, size=size)
    image = render(scene)
    assert image.mode == "RGB" and image.size == (size, size)
    assert Scene.model_validate(scene.model_dump()) == scene
    assert Scene.model_validate_json(scene.model_dump_json()) == scene
    assert scene_for(seed, index, family, text_prob=text_prob, size=size) == scene
    if family != "mixed":
        assert scene.family == family


def test_hidden_prop_leaves_the_person_and_drops_the_prop():
    from vlmtrust.data.world.draw import _BADGE_RED

    scene = sample_scene(np.random.default_rng(5), "people", occupation="doctor", group="B")
    shown = np.asarray(render(scene))
    hidden = np.asarray(render(scene.replace(prop_visible=False)))
    badge = np.all(shown == _BADGE_RED, axis=-1).sum()
    assert badge > 0 and np.all(hidden == _BADGE_RED, axis=-1).sum() == 0
    tone = GROUP_TONE["B"]
    assert np.all(hidden == tone, axis=-1).sum() == np.all(shown == tone, axis=-1).sum()
    assert scene.replace(prop_visible=False).caption() == scene.caption()
