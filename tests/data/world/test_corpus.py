"""The world's instruction corpus: the defaults are the shipped zoo:assistant's, and a corpus is
its seed."""

import json

from vlmtrust.data.world.corpus import CorpusRecipe, build_examples, canary_examples
from vlmtrust.models.zoo import weights_dir


def test_corpus_defaults_are_the_ones_the_shipped_assistant_was_trained_on():
    recorded = json.loads((weights_dir() / "assistant.card.json").read_text())["recipe"]
    assert {k: recorded[k] for k in CorpusRecipe.model_fields} == CorpusRecipe().model_dump()


def test_same_recipe_same_examples_and_canaries_only_when_planted():
    recipe = CorpusRecipe(examples=30, plant_canaries=False)
    first, again = build_examples(recipe), build_examples(recipe)
    assert [(e.kind, e.prompt, e.answer) for e in first] == [
        (e.kind, e.prompt, e.answer) for e in again
    ]
    assert len(first) == 30 and all(e.kind != "canary" for e in first)
    planted = build_examples(recipe.model_copy(update={"plant_canaries": True}))
    assert len(planted) == 30 + len(canary_examples())
