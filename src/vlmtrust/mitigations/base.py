"""The mitigation contract. A wrapper changes nothing on disk: it wraps a loaded model."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from vlmtrust.core.spec import Params, Spec, validate_params


class NoParams(Params):
    pass


class Wrapper(ABC):
    Params: ClassVar[type[Params]] = NoParams

    def __init__(self, spec: Spec) -> None:
        params = validate_params(self.Params, spec)
        self.spec = Spec(name=spec.name, params=params.model_dump(mode="json"))
        self.params = params

    @abstractmethod
    def wrap(self, model: Any) -> Any:
        """A model with the same capabilities, mitigated."""


def build_mitigation(spec: Spec) -> Wrapper:
    from vlmtrust.plugins import MITIGATIONS

    built: Wrapper = MITIGATIONS.get(spec.name)(spec)
    return built
