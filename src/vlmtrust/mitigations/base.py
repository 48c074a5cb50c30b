"""The mitigation contract. A wrapper changes nothing on disk: it wraps a loaded model.

A wrapped model must still look like the model it wraps (same capabilities, same call counter),
so the runner, the capability checks and the reuse accounting treat it like any other model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from vlmtrust.core.chat import (
    Conversation,
    GenerationOptions,
    chat_by_flattening,
    chat_with,
    check_conversation,
)
from vlmtrust.core.spec import Params, Spec, validate_params
from vlmtrust.models.base import ModelHandle


class NoParams(Params):
    pass


class Wrapper(ABC):
    Params: ClassVar[type[Params]] = NoParams
    #: capabilities the wrapped model must have (checked before a run starts)
    requires: ClassVar[tuple[str, ...]] = ()
    #: the model members (method names) whose results this mitigation changes or adds: a task
    #: that calls none of them would score exactly as the baseline does, so the runner does not
    #: scan it under this mitigation. None, the default and what every trainer keeps: the
    #: whole model (new weights change everything). A wrapper sets it to what its wrapped
    #: model overrides or adds beyond ``WrappedModel`` (a test holds every wrapper to that).
    acts_on: ClassVar[frozenset[str] | None] = None

    def __init__(self, spec: Spec) -> None:
        params = validate_params(self.Params, spec)
        self.spec = Spec(name=spec.name, params=params.model_dump(mode="json"))
        self.params = params

    def check_model(self, handle: ModelHandle) -> None:
        """Raise a CapabilityError before the run starts if this model cannot be mitigated."""
        return None

    @abstractmethod
    def wrap(self, model: Any) -> Any:
        """A model with the same capabilities, mitigated."""


class WrappedModel:
    """Delegates everything it does not override to the inner model, including ``calls``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def calls(self) -> int:
        return int(self.inner.calls)

    def chat(self, conversations: Sequence[Conversation], options: GenerationOptions) -> list[str]:
        """A wrapper that changes ``generate`` answers conversations through it (flattened), so
        its policy is never bypassed by a multi-turn call; a wrapper that leaves ``generate``
        alone passes them on whole. A wrapper with a chat policy of its own overrides this."""
        if _overrides(type(self), "generate"):
            for conversation in conversations:
                check_conversation(conversation)
            return chat_by_flattening(self.generate, conversations, options)
        return chat_with(self.inner, conversations, options)


def _overrides(cls: type, member: str) -> bool:
    """Whether a WrappedModel subclass defines ``member`` itself (not by delegation)."""
    below = cls.__mro__[: cls.__mro__.index(WrappedModel)]
    return any(member in klass.__dict__ for klass in below)


def variant_label(specs: Sequence[Spec]) -> str:
    """How a variant is named in results: ``none`` for the baseline, else the mitigation names
    joined by ``+``, each with only the parameters that differ from its defaults."""
    if not specs:
        return "none"
    return "+".join(s.label(build_mitigation(Spec(name=s.name)).spec.params) for s in specs)


def build_mitigation(spec: Spec) -> Wrapper:
    from vlmtrust.plugins import MITIGATIONS

    built: Wrapper = MITIGATIONS.get(spec.name)(spec)
    return built
