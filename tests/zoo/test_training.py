"""Seeded training smoke tests: tiny recipes, trained twice, must give identical weights."""

import torch

from vlmtrust.zoo.text_tower import MiniLM
from vlmtrust.zoo.tower import ImageTower
from vlmtrust.zoo.train_assistant import AssistantRecipe, train_assistant
from vlmtrust.zoo.train_clip import ClipRecipe, train_clip


def _quiet(_: str) -> None:
    pass


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_clip_training_reproduces_identical_weights():
    recipe = ClipRecipe(pool=48, steps=3, batch_size=8)
    text = MiniLM()
    first, scale_a, _ = train_clip(recipe, text, _quiet)
    second, scale_b, _ = train_clip(recipe, text, _quiet)
    assert _same(first.state_dict(), second.state_dict()) and torch.equal(scale_a, scale_b)
    torch.manual_seed(recipe.seed)
    untrained = ImageTower().state_dict()
    assert not _same(first.state_dict(), untrained)  # the steps really changed the weights
    other, _, _ = train_clip(recipe.model_copy(update={"seed": 1}), text, _quiet)
    assert not _same(first.state_dict(), other.state_dict())


def test_assistant_training_reproduces_identical_weights():
    torch.manual_seed(0)
    tower = ImageTower().eval()
    recipe = AssistantRecipe(examples=48, steps=3, batch_size=8, plant_canaries=False)
    first, vocab_a, _ = train_assistant(recipe, tower, _quiet)
    second, vocab_b, _ = train_assistant(recipe, tower, _quiet)
    assert vocab_a.tokens == vocab_b.tokens
    assert _same(first.state_dict(), second.state_dict())
