"""What a model can do, as small Protocols. Tasks declare what they need; the runner checks
before any work starts, so a wrong model fails in a second with a clear message, not mid-run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from vlmtrust.core.errors import CapabilityError

if TYPE_CHECKING:
    import numpy as np
    import torch
    from PIL import Image


@runtime_checkable
class Embedder(Protocol):
    """Maps images and texts into one space; returns L2-normalised float32 rows."""

    def encode_image(self, images: Sequence[Image.Image]) -> np.ndarray: ...

    def encode_text(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class Classifier(Protocol):
    """Scores images against a label set; returns logits of shape (images, labels)."""

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class Generator(Protocol):
    """Image (optional) + prompt -> text. Every Generator also answers whole conversations
    through :func:`vlmtrust.core.chat.chat_with`: natively where it has ``chat`` (every built-in
    one), flattened to a transcript where it has only this call (a plugin's)."""

    def generate(
        self, images: Sequence[Image.Image | None], prompts: Sequence[str]
    ) -> list[str]: ...


@runtime_checkable
class TextToImage(Protocol):
    """Captions -> images (zoo:t2i): what a synthetic-data source draws its scenes with. The
    same captions and ``seed`` draw the same images, so a synthetic set is reproducible."""

    def draw(self, captions: Sequence[str], seed: int = 0) -> list[Image.Image]: ...


@runtime_checkable
class Differentiable(Protocol):
    """Exposes a differentiable path from pixels in [0, 1] to logits, for gradient attacks."""

    def to_pixels(self, images: Sequence[Image.Image]) -> torch.Tensor: ...

    def pixel_logits(self, pixels: torch.Tensor, labels: Sequence[str]) -> torch.Tensor: ...


#: the parts of a model a trainer can take by name (``Tunable.module``): a closed set, so a
#: trainer's needs and a model's offer are compared before any weight is loaded
ROLES: tuple[str, ...] = ("image_tower", "text_tower", "projection", "decoder")


class Lora(BaseModel):
    """LoRA settings a trainer asks for: a model that tunes large modules as low-rank adapters
    (``hf:`` generators) places them by these; one that tunes whole modules ignores them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int = Field(default=8, ge=1)
    alpha: int = Field(default=16, ge=1)
    #: names (or name suffixes) of the linear layers to adapt, as ``peft`` matches them
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")


@runtime_checkable
class Tunable(Protocol):
    """What a trainer fine-tunes through, so it never reaches into a model's internals.

    Roles name trainable modules (``ROLES``); the loss pieces are those of the model's own
    training objective: a dual encoder's frozen text targets and logit scale, a generator's
    next-word loss over (image, prompt, answer) examples. A member that does not fit the model's
    kind raises a CapabilityError; trainers never reach it, as they ask first for the roles
    that kind offers. A trainer tunes what ``trainable`` hands it (never the model's own module:
    the baseline keeps using it); the tuned roles' weights are saved as a delta and loaded into
    a copy.
    """

    def tunable_roles(self) -> frozenset[str]:
        """The roles of ``ROLES`` this model offers (also declared on its handle)."""
        ...

    def module(self, role: str) -> torch.nn.Module:
        """The model's own module playing ``role``, to read through (never to train)."""
        ...

    def trainable(
        self, role: str, lora: Lora | None = None
    ) -> AbstractContextManager[torch.nn.Module]:
        """The module a trainer tunes for ``role``, for the length of the ``with`` block: a copy
        of ``module(role)`` (small models, whole modules), or LoRA adapters (``lora``, else
        defaults) placed over the model's own frozen module (large ones: a 7B base cannot be
        copied to train; inside the block the model itself runs through them), removed on exit
        so the model computes exactly as before. Call ``save_delta`` inside the block."""
        ...

    def to_pixels(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """The preprocessing every tuned module reads: images -> pixels in [0, 1]."""
        ...

    def text_targets(self, texts: Sequence[str]) -> torch.Tensor:
        """A dual encoder's frozen unit text embeddings, one row per text (uncounted calls)."""
        ...

    def logit_scale(self) -> float:
        """A dual encoder's temperature: logits are ``logit_scale() * image @ text.T``."""
        ...

    def answer_loss(
        self, tuned: Mapping[str, torch.nn.Module], examples: Sequence[Any]
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        """A generator's next-word loss: frozen inputs of ``examples`` (rows with ``image``,
        ``prompt``, ``answer``) prepared once; the returned function gives the mean loss of a
        batch of row indices under the ``tuned`` modules."""
        ...

    def save_delta(self, out: Path, tuned: Mapping[str, torch.nn.Module]) -> None:
        """Write the weights of the ``tuned`` roles' modules into the folder ``out``."""
        ...

    def load_delta(self, artifact: Path) -> Any:
        """A copy of this model with the delta saved in ``artifact`` in place (this one stays)."""
        ...


@dataclass(frozen=True)
class Rollout:
    """Answers a ``Policy`` sampled, with what the model needs to score exactly those tokens
    again (``state``: its own, opaque to trainers); ``texts`` are what a judge reads."""

    texts: tuple[str, ...]
    state: Any


@runtime_checkable
class Policy(Protocol):
    """A generator whose own answers a policy-gradient trainer samples and scores under the
    modules ``Tunable.trainable`` handed out: the on-policy half of RL fine-tuning, which the
    next-word loss on fixed answers (``Tunable.answer_loss``) cannot give. ``tuned`` maps roles
    to tuned modules; an empty mapping means the model's own (the KL reference)."""

    def sample_answers(
        self,
        tuned: Mapping[str, torch.nn.Module],
        images: Sequence[Image.Image | None],
        prompts: Sequence[str],
        temperature: float,
        seed: int,
    ) -> Rollout:
        """One answer per prompt, sampled at ``temperature`` from ``seed`` (no gradient)."""
        ...

    def answer_logprobs(
        self, tuned: Mapping[str, torch.nn.Module], rollout: Rollout
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(total log-probability of each sampled answer, its token count), differentiable
        through ``tuned``."""
        ...


@runtime_checkable
class AnswerStates(Protocol):
    """A generator whose last hidden states a trainer can read, differentiably, where they
    write an answer: what an adversary probes for a protected attribute (``adversarial_
    instruct``). The output head reads these states, so what they do not carry, the answer
    cannot depend on."""

    def answer_states(
        self, tuned: Mapping[str, torch.nn.Module], examples: Sequence[Any]
    ) -> Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
        """Frozen inputs of ``examples`` (rows as ``Tunable.answer_loss`` reads them) prepared
        once; the returned function gives, for a batch of row indices, ``(states (B, T,
        width), mask (B, T))`` under the ``tuned`` modules (an empty mapping: the model's own),
        the mask True at the positions that predict an answer word or its end."""
        ...


@runtime_checkable
class BlockTower(Protocol):
    """What a trainer or privacy attack may rely on in the module a Tunable offers as
    ``image_tower``, beyond its forward pass: a stem, a stack of blocks, a pooling and a
    projection head, so that ``project(pool(blocks(stem(pixels))))`` is the embedding before
    its L2 norm. A zoo CNN (conv blocks, mean pooling) and a CLIP or SigLIP vision transformer
    (encoder layers, class token or attention pooling) both are one; trainers freeze the early
    blocks and tune the last ones and the head without knowing which model's tower it is.
    """

    @property
    def blocks(self) -> torch.nn.Sequential:
        """The blocks, in order, each mapping the previous one's output to its own."""
        ...

    #: pooled features -> the embedding, before L2 norm (``pool`` of the last block's output)
    project: torch.nn.Module

    def stem(self, pixels: torch.Tensor) -> torch.Tensor:
        """Pixels in [0, 1] (``Tunable.to_pixels``) -> what the first block reads (the input
        normalisation included)."""
        ...

    def pool(self, hidden: torch.Tensor) -> torch.Tensor:
        """The last block's output -> what ``project`` reads."""
        ...

    def __call__(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pixels in [0, 1] -> (unit embedding, last block's output): the forward pass."""
        ...

    # the torch.nn.Module methods trainers use on a copy they tune
    def parameters(self, recurse: bool = True) -> Iterator[torch.nn.Parameter]: ...

    def eval(self) -> Self: ...


@runtime_checkable
class ConvTower(BlockTower, Protocol):
    """A ``BlockTower`` of conv blocks with a scalar input normalisation, for attacks that read
    gradients at the first conv or undo the normalisation (the zoo's tower)."""

    #: the conv blocks, in order: ``features(normalise(pixels))`` is the feature map
    features: torch.nn.Sequential
    #: the input normalisation, ``(pixels - mean) / std``
    mean: float
    std: float

    def normalise(self, pixels: torch.Tensor) -> torch.Tensor:
        """Pixels in [0, 1] (``Tunable.to_pixels``) -> what ``features`` reads."""
        ...


def block_tower(tower: object, needed_by: str) -> BlockTower:
    """``tower`` as a BlockTower, or the one-line CapabilityError saying who needs one."""
    if not isinstance(tower, BlockTower):
        raise CapabilityError(
            f"{needed_by} needs an image tower of blocks with a projection head, "
            f"the model offers a {type(tower).__name__}",
            "pick a zoo CLIP organism or an hf: CLIP / SigLIP checkpoint",
        )
    return tower


def conv_tower(tower: object, needed_by: str) -> ConvTower:
    """``tower`` as a ConvTower, or the one-line CapabilityError saying who needs one."""
    if not isinstance(tower, ConvTower):
        raise CapabilityError(
            f"{needed_by} needs an image tower of conv blocks with a projection head, "
            f"the model offers a {type(tower).__name__}",
            "pick a zoo CLIP organism (zoo:clip, zoo:clip-fair, zoo:clip-clean)",
        )
    return tower


def pooled_features(tower: BlockTower, pixels: torch.Tensor) -> torch.Tensor:
    """What ``tower.project`` reads for ``pixels``: the frozen part of a projection fine-tune."""
    return tower.pool(tower.blocks(tower.stem(pixels)))


CAPABILITIES: dict[str, type] = {
    "Embedder": Embedder,
    "Classifier": Classifier,
    "Generator": Generator,
    "Differentiable": Differentiable,
    "Tunable": Tunable,
    "Policy": Policy,
    "TextToImage": TextToImage,
    "AnswerStates": AnswerStates,
}


def protocol_members(protocol: type) -> frozenset[str]:
    """The public members a capability Protocol declares (methods, properties and annotated
    attributes, its base Protocols' included): what a model is called through when it is
    used as one, read off the Protocol so a new member needs no table kept beside it."""
    found: set[str] = set()
    for cls in protocol.__mro__:
        if cls in (Protocol, Generic, object) or not getattr(cls, "_is_protocol", False):
            continue
        found.update(vars(cls).get("__annotations__", {}))
        found.update(vars(cls))
    return frozenset(name for name in found if not name.startswith("_"))


def capability_members(capabilities: Iterable[str]) -> frozenset[str]:
    """The model members the named capabilities (``CAPABILITIES`` keys) consist of."""
    out: frozenset[str] = frozenset()
    for name in capabilities:
        if name not in CAPABILITIES:
            raise ValueError(f"unknown capability {name!r}")
        out |= protocol_members(CAPABILITIES[name])
    return out


def used_members(requires: Iterable[str], hooks: Iterable[str] = ()) -> frozenset[str]:
    """The model members a task or attack may call: those of the capabilities it ``requires``
    and its ``hooks``, each a member it probes for (``hasattr``, ``getattr``) or a capability
    name, for an ``isinstance`` probe that reads all of that capability's members."""
    tested = [h for h in hooks if h in CAPABILITIES]
    probed = frozenset(h for h in hooks if h not in CAPABILITIES)
    return capability_members([*requires, *tested]) | probed


def check_capabilities(
    model_name: str,
    offered: Iterable[str],
    required: Iterable[str],
    needed_by: str,
    fix: str = "pick a model with that capability",
) -> None:
    """Raise a CapabilityError naming the first capability ``needed_by`` (``task X``,
    ``mitigation Y``: what the user asked for) needs and the model lacks; ``fix`` says what
    to drop, since a task leaves with --suite but a mitigation with --mitigate."""
    offered = frozenset(offered)
    need = _first_missing(offered, required, CAPABILITIES, "capability")
    if need is not None:
        raise CapabilityError(
            f"model {model_name} is not {with_article(need)}, which {needed_by} needs "
            f"(it offers: {_listed(offered)})",
            fix,
        )


def with_article(word: str) -> str:
    """``a Generator``, ``an Embedder``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def check_roles(
    model_name: str, offered: Iterable[str], required: Iterable[str], mitigation: str
) -> None:
    """Raise a CapabilityError naming the first role ``mitigation`` needs and the model lacks
    (a model that is not Tunable offers none)."""
    offered = frozenset(offered)
    need = _first_missing(offered, required, ROLES, "tunable role")
    if need is not None:
        raise CapabilityError(
            f"model {model_name} offers no {need!r} to tune, which mitigation {mitigation} "
            f"needs (it offers: {_listed(offered)})",
            "pick a model that offers that role, or drop the mitigation from --mitigate",
        )


def _first_missing(
    offered: Iterable[str], required: Iterable[str], known: Iterable[str], kind: str
) -> str | None:
    """The first required name the model does not offer; an unknown name is a bug in code."""
    have, known_names = frozenset(offered), frozenset(known)
    for need in required:
        if need not in known_names:
            raise ValueError(f"unknown {kind} {need!r}")
        if need not in have:
            return need
    return None


def _listed(offered: Iterable[str]) -> str:
    return ", ".join(sorted(offered)) or "none"


def capabilities_of(model: object) -> frozenset[str]:
    """The capabilities a loaded model object actually implements."""
    return frozenset(name for name, proto in CAPABILITIES.items() if isinstance(model, proto))
