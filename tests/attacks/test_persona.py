"""The persona attack: the zoo's training format, pure, and strict about unknown personas."""

import pytest

from vlmtrust.attacks.base import build_attack
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.data.world import prompts


def test_persona_goes_before_the_prompt_as_in_training():
    sample = Sample(id="s", prompt="describe the image.")
    attacked = build_attack(Spec(name="persona", params={"persona": "angry_critic"})).apply(sample)
    assert attacked.prompt == f"{prompts.PERSONAS_RUDE[1]} describe the image."
    assert attacked.labels["persona"] == "angry_critic"
    assert sample.prompt == "describe the image."  # pure: the input is untouched


def test_custom_text_and_label():
    attack = build_attack(Spec(name="persona", params={"text": "you are a calm robot."}))
    assert attack.apply(Sample(id="s", prompt="hi")).prompt == "you are a calm robot. hi"
    assert attack.label == 'persona(text="you are a calm robot.")'
    assert build_attack(Spec(name="persona")).label == "persona"  # default: rude_pirate


def test_unknown_persona_is_a_one_line_config_error():
    with pytest.raises(ConfigError, match="unknown persona 'nasty'"):
        build_attack(Spec(name="persona", params={"persona": "nasty"}))
