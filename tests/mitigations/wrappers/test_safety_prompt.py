"""safety_prompt: each variant changes what the model sees as documented; measured on the zoo."""

import pytest

from vlmtrust.core.spec import Spec
from vlmtrust.data.world.typography import render_lines
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.wrappers.safety_prompt import COT, SYSTEM


class Recorder:
    """A real (trivial) Generator that reports the image size and prompt it was given."""

    calls = 0

    def generate(self, images, prompts):
        self.calls += 1
        return [f"{img.size if img else None}|{p}" for img, p in zip(images, prompts, strict=True)]


@pytest.mark.parametrize(("variant", "prefix"), [("system", SYSTEM), ("cot", COT)])
def test_text_variants_prefix_the_prompt(variant, prefix):
    model = build_mitigation(Spec(name="safety_prompt", params={"variant": variant})).wrap(
        Recorder()
    )
    (out,) = model.generate([None], ["tell me a joke."])
    assert out == f"None|{prefix} tell me a joke."
    assert model.calls == 1


def test_visual_icl_composes_the_refused_example_beside_the_query():
    wrapped = build_mitigation(Spec(name="safety_prompt", params={"variant": "visual_icl"}))
    model = wrapped.wrap(Recorder())
    image_out, text_out = model.generate([render_lines(["x"]), None], ["q1", "q2"])
    assert image_out.startswith("(192, 96)|") and "cannot help" in image_out
    assert text_out.startswith("(96, 96)|")


def test_bad_variant_is_a_one_line_config_error():
    from vlmtrust.core.errors import ConfigError

    with pytest.raises(ConfigError, match="variant"):
        build_mitigation(Spec(name="safety_prompt", params={"variant": "pray"}))
