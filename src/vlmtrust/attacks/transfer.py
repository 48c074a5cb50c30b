"""``pgd_transfer``: PGD crafted on a *source* model, scored on the model under scan.

A transfer attack needs no gradient of its victim: whoever holds a similar model (here another
zoo organism, or any Differentiable ``--model`` spec) crafts the images on it and sends them. The
source is loaded once per process and spec; the attack is then the same deterministic function
of (samples, source weights) as ``pgd``. Honest limit: the cache key names the source by its spec,
not its weights' fingerprint, so retraining a source in place needs a fresh run directory.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from vlmtrust.attacks.gradient import Pgd, PgdParams
from vlmtrust.core.errors import CapabilityError, ConfigError
from vlmtrust.core.records import Sample


class TransferPgdParams(PgdParams):
    source: str = Field(default="", description="model spec the attack is crafted on: zoo:clip")


class TransferPgd(Pgd):
    Params = TransferPgdParams
    params: TransferPgdParams
    requires = ()  # type: ignore[assignment]  # the victim's gradients are never used

    def apply(self, sample: Sample) -> Sample:
        """Needs no victim, so it also works one sample at a time (the report's gallery)."""
        return self.apply_batch([sample], None)[0]

    def apply_batch(self, samples: Sequence[Sample], model: Any) -> list[Sample]:
        if not self.params.source:
            raise ConfigError(
                "pgd_transfer needs a source model", "pass source=SPEC, e.g. zoo:clip"
            )
        return super().apply_batch(samples, source_model(self.params.source))


@functools.cache
def source_model(spec: str) -> Any:
    from vlmtrust.models.base import resolve_model

    handle = resolve_model(spec)
    if "Differentiable" not in handle.capabilities:
        raise CapabilityError(
            f"transfer source {spec} is not Differentiable", "craft on a model with gradients"
        )
    return handle.load()
