"""The attack contract: a pure, deterministic ``Sample -> Sample`` transform.

Pure so that an attacked sample is fully determined by (attack spec, sample), which is what
the cache key hashes; deterministic so a resumed run reproduces the exact same inputs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from vlmtrust.core.capabilities import used_members
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, Spec, validate_params


def sample_rng(sample: Sample, *seed: int) -> np.random.Generator:
    """Randomness drawn from the sample's content (and the attack's seed), so an attacked
    sample is the same whatever batch or order it comes in."""
    return np.random.default_rng([*seed, int(sample.content_hash()[:15], 16)])


class NoParams(Params):
    pass


class Attack(ABC):
    Params: ClassVar[type[Params]] = NoParams
    #: capabilities the attacked model must have (gradient attacks need Differentiable)
    requires: ClassVar[tuple[str, ...]] = ()
    #: what ``apply_batch`` uses when the model has it, beyond ``requires`` (``Task.hooks``)
    hooks: ClassVar[tuple[str, ...]] = ()

    def __init__(self, spec: Spec) -> None:
        self.spec = Spec(
            name=spec.name, params=validate_params(self.Params, spec).model_dump(mode="json")
        )
        self.params = validate_params(self.Params, self.spec)

    def model_members(self) -> frozenset[str]:
        """Every model member ``apply_batch`` may call (see ``Task.model_members``)."""
        return used_members(self.requires, self.hooks)

    @property
    def label(self) -> str:
        """How results name this attack: its name and only its non-default parameters."""
        return self.spec.label(self.Params().model_dump(mode="json"))

    @abstractmethod
    def apply(self, sample: Sample) -> Sample: ...

    def apply_batch(self, samples: Sequence[Sample], model: Any) -> list[Sample]:
        """Attack a batch. Model-free attacks ignore ``model``; gradient attacks override this
        (they are still deterministic functions of the samples and the model's weights, which
        the cache key covers through the model fingerprint)."""
        return [self.apply(s) for s in samples]


class Identity(Attack):
    """The clean condition every attacked condition is compared with."""

    def apply(self, sample: Sample) -> Sample:
        return sample


def build_attack(spec: Spec) -> Attack:
    from vlmtrust.plugins import ATTACKS

    return ATTACKS.get(spec.name)(spec)
