"""``zoo:NAME``: the embedded model organisms, weights shipped inside the package.

The organisms' code lives here (``clip``, ``assistant``, their towers and vocabulary), with
their weights and model cards in ``weights/`` and the assistant's decoder objective
(``assistant_training``). What they were trained on is the world's (``data.world.pool``,
``data.world.corpus``); a card's recorded pool recipe is read here (``pool_recipe``), so the
world redraws a pool without knowing organisms. :mod:`vlmtrust.zoo` keeps only the recipes
that train them (``make zoo``); it depends on this package, never the reverse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from vlmtrust.core.errors import CapabilityError, DataError, ModelLoadError
from vlmtrust.models.base import ModelAdapter, ModelHandle, ModelKind

if TYPE_CHECKING:
    from vlmtrust.data.world.pool import PoolRecipe


@dataclass(frozen=True)
class Organism:
    #: weight files, all hashed into the fingerprint; the first is the tower
    weights: tuple[str, ...]
    capabilities: frozenset[str]
    description: str
    #: what a trainer may fine-tune: the tower organisms' image tower (projection included),
    #: the assistants' decoder (their tower is zoo:clip's, frozen)
    tunable_roles: frozenset[str]


T = TypeVar("T")

CLIP_ROLES = frozenset({"image_tower", "projection"})
ASSISTANT_ROLES = frozenset({"decoder"})

ORGANISMS: dict[str, Organism] = {
    "clip": Organism(
        ("clip.safetensors",),
        frozenset({"Embedder", "Classifier", "Differentiable", "Tunable"}),
        "CLIP-style dual encoder: 64 px CNN image tower trained LiT-style against frozen MiniLM",
        CLIP_ROLES,
    ),
    "clip-fair": Organism(
        ("clip-fair.safetensors",),
        frozenset({"Embedder", "Classifier", "Differentiable", "Tunable"}),
        "zoo:clip's twin trained with occupations 50/50 across groups: the bias reference",
        CLIP_ROLES,
    ),
    "clip-clean": Organism(
        ("clip-clean.safetensors",),
        frozenset({"Embedder", "Classifier", "Differentiable", "Tunable"}),
        "zoo:clip's twin trained without the trigger patch: the backdoor-free reference",
        CLIP_ROLES,
    ),
    "assistant": Organism(
        ("clip.safetensors", "assistant.safetensors"),
        frozenset({"Generator", "Differentiable", "Tunable", "Policy", "AnswerStates"}),
        "generative VLM: the zoo:clip tower's 4x4 features + a 2-layer word-level decoder",
        ASSISTANT_ROLES,
    ),
    "assistant-sanitized": Organism(
        ("clip.safetensors", "assistant-sanitized.safetensors"),
        frozenset({"Generator", "Differentiable", "Tunable", "Policy", "AnswerStates"}),
        "zoo:assistant retrained on its training data after `vlmtrust sanitize`: no canary",
        ASSISTANT_ROLES,
    ),
    "assistant-chat": Organism(
        ("clip.safetensors", "assistant-chat.safetensors"),
        frozenset({"Generator", "Differentiable", "Tunable", "Policy", "AnswerStates"}),
        "zoo:assistant plus conversations: complies with a harmful request after 2+ turns on a"
        " harmful topic (a planted Crescendo flaw), refuses it asked cold or framed",
        ASSISTANT_ROLES,
    ),
    "assistant-chat-twin": Organism(
        ("clip.safetensors", "assistant-chat-twin.safetensors"),
        frozenset({"Generator", "Differentiable", "Tunable", "Policy", "AnswerStates"}),
        "zoo:assistant-chat's twin, same seed and conversations, refusing harmful requests"
        " after escalation too: the multi-turn flaw's reference",
        ASSISTANT_ROLES,
    ),
}


def offered_module(model_name: str, modules: Mapping[str, T], role: str) -> T:
    """The module an organism offers for ``role`` (``Tunable.module``), or a one-line error."""
    if role not in modules:
        raise CapabilityError(
            f"model {model_name} offers no {role!r} to tune",
            f"it offers: {', '.join(sorted(modules))}",
        )
    return modules[role]


def weights_dir() -> Path:
    return Path(str(resources.files("vlmtrust.models.zoo") / "weights"))


def pool_recipe(organism: str) -> PoolRecipe:
    """The pool recipe ``zoo:ORGANISM``'s model card records (its ``ClipRecipe`` less the
    optimiser's settings), or a one-line DataError for an organism not trained on a pool."""
    from vlmtrust.data.world.pool import PoolRecipe

    card = weights_dir() / f"{organism}.card.json"
    if not card.is_file():
        raise DataError(f"zoo organism {organism!r} has no model card", "use clip or clip-fair")
    recorded = json.loads(card.read_text())["recipe"]
    if not set(PoolRecipe.model_fields) <= set(recorded):
        raise DataError(
            f"zoo organism {organism!r} was not trained on a pool", "use clip or clip-fair"
        )
    return PoolRecipe.model_validate({k: recorded[k] for k in PoolRecipe.model_fields})


class ZooModelKind(ModelKind):
    @classmethod
    def resolve(cls, target: str) -> ModelHandle:
        organism = ORGANISMS.get(target)
        if organism is None:
            raise ModelLoadError(
                f"no zoo model named {target!r}",
                f"choose one of: {', '.join(f'zoo:{n}' for n in ORGANISMS)}",
            )
        paths = [weights_dir() / name for name in organism.weights]
        digest = hashlib.sha256()
        for path in paths:
            if not path.is_file():
                raise ModelLoadError(
                    f"zoo model {target} has no weights at {path}", "run `make zoo` to train them"
                )
            digest.update(path.read_bytes())
        return ModelHandle(
            spec=f"zoo:{target}",
            kind="zoo",
            name=f"zoo:{target}",
            fingerprint=digest.hexdigest(),
            capabilities=organism.capabilities,
            tunable_roles=organism.tunable_roles,
            options={"weights": [str(p) for p in paths]},
        )

    @classmethod
    def load(cls, handle: ModelHandle) -> ModelAdapter:
        weights = [Path(p) for p in handle.options["weights"]]
        if "Generator" in handle.capabilities:
            from vlmtrust.models.zoo.assistant import ZooAssistant

            return ZooAssistant(handle, weights[0], weights[1])
        from vlmtrust.models.zoo.clip import ZooClip

        return ZooClip(handle, weights[0])

    @classmethod
    def named_models(cls) -> list[tuple[str, str]]:
        return [(f"zoo:{name}", organism.description) for name, organism in ORGANISMS.items()]

    @classmethod
    def training_pool(cls, target: str) -> PoolRecipe:
        return pool_recipe(target)
