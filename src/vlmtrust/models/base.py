"""Model handles and the adapter base class.

A ``ModelHandle`` is what the runner plans with: cheap to build (reads configs, hashes weights,
never loads them), picklable so it can be shipped to a worker, and it knows the model's
capabilities up front so a wrong model fails before any work starts. ``load()`` does the heavy part.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict

from vlmtrust.core.errors import CapabilityError, ConfigError, DataError

if TYPE_CHECKING:
    import torch

    from vlmtrust.data.world.pool import PoolRecipe


class ModelHandle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: str
    kind: str
    name: str
    fingerprint: str
    capabilities: frozenset[str]
    #: the ``Tunable`` roles the model offers to trainers, known before its weights load
    tunable_roles: frozenset[str] = frozenset()
    options: dict[str, Any] = {}
    #: how this model is run differently from its own recipe, in a reader's words (e.g. a
    #: blank image standing in for none): every report shows them beside the model
    caveats: tuple[str, ...] = ()

    def load(self) -> ModelAdapter:
        from vlmtrust.plugins import MODELS

        return MODELS.get(self.kind).load(self)


class ModelKind(ABC):
    """One registry entry per spec scheme (``hf``, ``zoo``, ``openai``)."""

    @classmethod
    @abstractmethod
    def resolve(cls, target: str) -> ModelHandle:
        """Validate ``target`` (the part after ``scheme:``) and describe the model, cheaply."""

    @classmethod
    @abstractmethod
    def load(cls, handle: ModelHandle) -> ModelAdapter:
        """Load the weights / open the connection."""

    @classmethod
    def named_models(cls) -> list[tuple[str, str]]:
        """(spec, one-line description) of the models this kind ships, for ``vlmtrust list``;
        kinds that point at the user's own models (a path, a URL) ship none."""
        return []

    @classmethod
    def training_pool(cls, target: str) -> PoolRecipe:
        """The recipe of the world pool model ``target`` was trained on, for kinds whose
        models record one (membership ground truth); others were trained on data no one
        here can redraw."""
        raise DataError(
            f"model {target!r} records no world training pool to redraw",
            "use a zoo CLIP organism (clip, clip-fair, clip-clean), or --data with member labels",
        )


class ModelAdapter:
    """Base for loaded models: counts calls so tests and summaries can prove cache hits."""

    def __init__(self, handle: ModelHandle) -> None:
        self.handle = handle
        self.calls = 0

    def _count(self, n: int = 1) -> None:
        self.calls += n

    def close(self) -> None:
        """Release connections or other resources; executors call it when a run ends."""


def resolve_model(spec: str) -> ModelHandle:
    """``scheme:target`` -> handle, with a one-line error for an unknown scheme."""
    from vlmtrust.plugins import MODELS

    scheme, sep, target = spec.partition(":")
    if not sep or not target:
        raise ConfigError(
            f"model spec {spec!r} has no scheme",
            "write hf:/path/to/checkpoint, zoo:NAME or openai:URL#MODEL",
        )
    return MODELS.get(scheme).resolve(target)


def training_pool(model_name: str) -> PoolRecipe:
    """The world pool recipe model ``scheme:target`` was trained on (its kind reads it, e.g.
    from a zoo organism's card), so the world can redraw its members without knowing models."""
    from vlmtrust.plugins import MODELS

    scheme, _, target = model_name.partition(":")
    return MODELS.get(scheme).training_pool(target)


def parse_query_options(query: str, spec: str, example: str) -> dict[str, str]:
    """``key=value&...`` (the part of a model spec after ``?``) -> a dict; malformed text or a
    repeated key is a one-line error naming ``spec`` and showing ``example``."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as err:
        raise ConfigError(f"cannot parse options {query!r} in {spec}", f"write {example}") from err
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise ConfigError(f"option {key!r} given twice in {spec}", "give it once")
        params[key] = value
    return params


@contextmanager
def copied_module(module: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """``Tunable.trainable`` for a model whose modules are small enough to train whole (a zoo
    organism, a dual encoder's tower): a deep copy; the model's own module stays as it was,
    with nothing to undo afterwards."""
    yield copy.deepcopy(module)


class NotADualEncoder:
    """The dual-encoder members of ``Tunable`` for a generator: it has no text tower, so they
    raise the one-line CapabilityError (trainers ask for the roles first and never reach them)."""

    handle: ModelHandle
    #: what to fine-tune instead, named in the error
    dual_encoder_hint: str = "a dual encoder"

    def text_targets(self, texts: Sequence[str]) -> torch.Tensor:
        raise self._not_a_dual_encoder()

    def logit_scale(self) -> float:
        raise self._not_a_dual_encoder()

    def _not_a_dual_encoder(self) -> CapabilityError:
        return CapabilityError(
            f"{self.handle.name} is a generator: it has no text tower to align images with",
            f"fine-tune {self.dual_encoder_hint} with a contrastive mitigation",
        )
