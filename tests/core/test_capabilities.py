import pytest
import torch

from vlmtrust.core.capabilities import (
    ROLES,
    BlockTower,
    ConvTower,
    block_tower,
    capabilities_of,
    check_capabilities,
    check_roles,
    conv_tower,
    pooled_features,
)
from vlmtrust.core.errors import CapabilityError


class TextOnly:
    def generate(self, images, prompts):
        return ["x" for _ in prompts]


def test_missing_capability_names_it_and_the_task():
    needed_by = "task safety.figstep"
    with pytest.raises(CapabilityError, match=r"not a Generator, which task safety\.figstep needs"):
        check_capabilities("hf:clip", {"Embedder", "Classifier"}, ["Generator"], needed_by)
    check_capabilities("hf:clip", {"Embedder", "Classifier"}, ["Classifier"], "task t")


def test_missing_capability_takes_its_article_and_the_callers_fix():
    fix = "drop the mitigation from --mitigate"
    with pytest.raises(CapabilityError) as caught:
        check_capabilities("zoo:assistant", {"Generator"}, ["Embedder"], "mitigation m", fix)
    assert "is not an Embedder, which mitigation m needs" in str(caught.value)
    assert caught.value.fix == fix


def test_capabilities_of_inspects_the_object():
    assert capabilities_of(TextOnly()) == frozenset({"Generator"})


class TunableStub:
    """Every member of Tunable, none of them working: detection looks at the members only."""

    def tunable_roles(self):
        return frozenset({"projection"})

    def module(self, role): ...

    def trainable(self, role, lora=None): ...

    def to_pixels(self, images): ...

    def text_targets(self, texts): ...

    def logit_scale(self): ...

    def answer_loss(self, tuned, examples): ...

    def save_delta(self, out, tuned): ...

    def load_delta(self, artifact): ...


def test_a_model_with_every_tunable_member_is_tunable():
    assert "Tunable" in capabilities_of(TunableStub())
    assert "Tunable" not in capabilities_of(TextOnly())


def test_a_model_that_cannot_hand_out_a_module_to_train_is_not_tunable():
    class NoTrainable(TunableStub):
        trainable = None  # what a model written before trainable() existed lacks

    assert "Tunable" not in capabilities_of(NoTrainable())


def test_a_missing_role_is_one_line_naming_the_role_the_model_and_the_mitigation():
    with pytest.raises(CapabilityError) as err:
        check_roles("zoo:clip", {"image_tower", "projection"}, ["text_tower"], "mixgen")
    message = str(err.value)
    assert "\n" not in message
    assert "model zoo:clip offers no 'text_tower' to tune, which mitigation mixgen needs" in message
    assert "it offers: image_tower, projection" in message
    check_roles("zoo:clip", {"image_tower", "projection"}, ["projection"], "overfit")


def test_a_model_that_is_not_tunable_offers_no_role():
    with pytest.raises(CapabilityError, match=r"offers no 'decoder' to tune.*it offers: none"):
        check_roles("hf:llava", frozenset(), ["decoder"], "vlguard")


def test_roles_are_a_closed_set():
    assert set(ROLES) == {"image_tower", "text_tower", "projection", "decoder"}
    with pytest.raises(ValueError, match="unknown tunable role 'head'"):
        check_roles("zoo:clip", {"image_tower"}, ["head"], "mixgen")


@pytest.mark.parametrize(
    ("model", "roles"),
    [("zoo:clip", {"image_tower", "projection"}), ("zoo:assistant", {"decoder"})],
)
def test_the_zoo_organisms_declare_their_roles_before_loading(model, roles):
    from vlmtrust.models.base import resolve_model

    handle = resolve_model(model)
    assert "Tunable" in handle.capabilities
    assert handle.tunable_roles == roles


class TinyConvTower(torch.nn.Module):
    """A real module with the ConvTower members (no zoo code): two conv blocks and a head."""

    mean, std = 0.5, 0.25

    def __init__(self) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 4, 3))
        self.project = torch.nn.Linear(4, 2)

    def normalise(self, pixels):
        return (pixels - self.mean) / self.std

    # the BlockTower members a ConvTower also has
    @property
    def blocks(self):
        return self.features

    def stem(self, pixels):
        return self.normalise(pixels)

    def pool(self, hidden):
        return hidden.mean(dim=(2, 3))

    def forward(self, pixels):
        fmap = self.features(self.normalise(pixels))
        return torch.nn.functional.normalize(self.project(self.pool(fmap)), dim=-1), fmap


class TinyTokenTower(torch.nn.Module):
    """A BlockTower that is no ConvTower: token blocks, class-token pooling, no scalar
    normalisation (a vision transformer's shape)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Linear(3, 4)
        self.layers = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))
        self.project = torch.nn.Linear(4, 2)

    @property
    def blocks(self):
        return self.layers

    def stem(self, pixels):
        return self.embed(pixels.flatten(2).transpose(1, 2))

    def pool(self, hidden):
        return hidden[:, 0]

    def forward(self, pixels):
        hidden = self.blocks(self.stem(pixels))
        return torch.nn.functional.normalize(self.project(self.pool(hidden)), dim=-1), hidden


def test_a_module_with_blocks_head_and_normalisation_is_a_conv_tower():
    tower = TinyConvTower()
    assert isinstance(tower, ConvTower) and conv_tower(tower, "x") is tower
    assert isinstance(tower, BlockTower) and block_tower(tower, "x") is tower
    assert not isinstance(torch.nn.Linear(2, 2), ConvTower)


def test_a_token_tower_is_a_block_tower_but_no_conv_tower():
    tower = TinyTokenTower()
    assert block_tower(tower, "x") is tower and not isinstance(tower, ConvTower)
    with pytest.raises(CapabilityError, match="needs an image tower of conv blocks"):
        conv_tower(tower, "a gradient-leak attack")
    with pytest.raises(CapabilityError, match="needs an image tower of blocks"):
        block_tower(torch.nn.Linear(2, 2), "a tower fine-tune")
    pixels = torch.rand(2, 3, 4, 4)
    embedding, _ = tower(pixels)
    # what a projection fine-tune reads is what the forward pass projects
    pooled = pooled_features(tower, pixels)
    assert torch.allclose(torch.nn.functional.normalize(tower.project(pooled), dim=-1), embedding)


def test_a_tower_without_conv_blocks_is_a_one_line_capability_error_naming_who_needs_it():
    with pytest.raises(
        CapabilityError, match="a tower fine-tune needs an image tower of conv"
    ) as e:
        conv_tower(torch.nn.Linear(2, 2), "a tower fine-tune")
    assert "Linear" in str(e.value) and "\n" not in e.value.args[0]
