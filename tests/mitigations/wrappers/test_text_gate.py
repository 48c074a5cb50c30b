"""The pixel-level text-presence gate: every FigStep image goes to OCR, plain scenes do not."""

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.spec import parse_spec
from vlmtrust.data import world
from vlmtrust.data.probes import load_probes
from vlmtrust.mitigations.wrappers.text_gate import in_line_glyphs, may_have_text, text_score


def _rendered(attack: str, every: int = 4):
    probes = [p.to_sample() for p in load_probes() if p.set == "zoo"][::every]
    built = build_attack(parse_spec(attack))
    return [built.apply(p).load_image() for p in probes]


def test_every_figstep_image_and_its_benign_twin_passes_the_gate():
    images = _rendered("figstep", every=2)  # 50 harmful and 50 benign twins, interleaved
    assert len(images) == 100
    assert all(may_have_text(image) for image in images)


def test_ocr_evading_variants_still_mostly_reach_ocr():
    # measured on every 5th zoo probe: rotation 20 0.97, font 9 0.95, the others 1.0
    for attack, least in [
        ("figstep:rotation=20", 0.9),
        ("figstep:font_px=9", 0.9),
        ("figstep:fg=[200,200,200]", 1.0),
        ("figstep_pro:rows=1,cols=3", 1.0),
    ]:
        images = _rendered(attack, every=5)
        assert sum(may_have_text(image) for image in images) / len(images) >= least, attack


def test_plain_world_scenes_skip_ocr():
    scenes = [s.load_image() for s in world.generate(seed=5, n=60, family="objects")]
    skipped = sum(not may_have_text(scene) for scene in scenes)
    assert skipped / len(scenes) >= 0.8
    blank = world.generate(seed=5, n=1)[0].load_image().resize((96, 96))
    assert text_score(blank.point(lambda _: 255)) == 0


def test_glyphs_in_a_line_are_counted_at_its_angle_only():
    # three 6 px marks 2 px apart on a horizontal line
    import numpy as np

    boxes = np.array([[10, 40, 6, 6], [18, 40, 6, 6], [26, 40, 6, 6]], dtype=float)
    assert in_line_glyphs(boxes, 0.0) == 1  # only the middle mark has two neighbours
    assert in_line_glyphs(boxes, 90.0) == 0  # stacked vertically they would not be a line
    assert in_line_glyphs(boxes[:2], 0.0) == 0
