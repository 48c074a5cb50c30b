"""Trainer mitigations: ``(base model, data, spec) -> new model``, cached as an artifact.

A trainer sits in the same registry as the wrappers and is applied the same way (``wrap``), so
the runner, the variant labels and the cache keys treat both kinds alike. What differs is that
``wrap`` first looks the fine-tuned weights up in the artifact cache under
``(base fingerprint, trainer spec, data fingerprint, trainer version)`` and trains only on a miss:
a re-run, or a second scan of the same model, never retrains.

A trainer reaches the model only through the ``Tunable`` capability (``core.capabilities``): it
declares the roles it takes (``roles``), any model offering them is accepted, and any other is
refused before the run with one line. ``fit`` saves the tuned roles with ``save_delta``; the
default ``load`` is ``load_delta`` plus the card.
"""

from __future__ import annotations

import sys
import time
from abc import abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from vlmtrust.core.capabilities import check_roles
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import sha256_hex
from vlmtrust.mitigations.base import Wrapper, variant_label
from vlmtrust.mitigations.trainers.training.train_data import (
    TrainDataParams,
    require_train_data,
    samples_fingerprint,
    train_samples,
)
from vlmtrust.models.base import ModelHandle
from vlmtrust.store.artifacts import ArtifactCache


class Trainer(Wrapper):
    #: bump when the training code changes what it produces, so old artifacts are not reused
    version: ClassVar[int] = 1
    #: the ``Tunable`` roles the trainer takes from the model, to tune or to read through
    #: (checked against the model's handle before a run starts)
    roles: ClassVar[tuple[str, ...]] = ()
    #: True when the delta is a LoRA adapter (``vlmtrust export`` merges it, or writes it alone)
    adapter: ClassVar[bool] = False

    def check_model(self, handle: ModelHandle) -> None:
        offered = handle.tunable_roles if "Tunable" in handle.capabilities else frozenset()
        check_roles(handle.name, offered, self.roles, self.spec.name)
        if isinstance(self.params, TrainDataParams):
            require_train_data(
                handle,
                self.params.train_data,
                self.spec.name,
                self.train_columns(),
                images=self.train_images,
            )

    #: whether every ``train_data`` row needs an image (a generator's prompts may go without)
    train_images: ClassVar[bool] = True

    def train_columns(self) -> tuple[str, ...]:
        """What every row of ``train_data`` needs, for trainers whose params take one
        (``TrainDataParams``): label or group columns, or ``prompt``."""
        return ("caption",)

    def train_rows(self) -> list[Sample]:
        """The usable rows of the user's ``train_data`` (checked again: it may have changed)."""
        assert isinstance(self.params, TrainDataParams) and self.params.train_data is not None
        return train_samples(
            self.params.train_data, self.spec.name, self.train_columns(), images=self.train_images
        )

    def data_fingerprint(self) -> str:
        """What the training data depends on beyond the spec: the ``train_data`` rows' content;
        world-generated data is fully decided by the spec (its seed included), so empty."""
        if isinstance(self.params, TrainDataParams) and self.params.train_data is not None:
            return samples_fingerprint(self.train_rows(), self.train_columns())
        return ""

    def artifact_key(self, handle: ModelHandle) -> str:
        return sha256_hex(
            handle.fingerprint, self.spec.canonical(), self.data_fingerprint(), str(self.version)
        )

    def wrap(self, model: Any) -> Any:
        handle: ModelHandle = model.handle
        self.check_model(handle)
        cache = ArtifactCache()
        key = self.artifact_key(handle)
        if cache.card(key) is None:
            label = variant_label([self.spec])
            print(f"training {label} on {handle.name} (cached afterwards)", file=sys.stderr)

        def build(out: Path) -> Mapping[str, Any]:
            started = time.perf_counter()
            stats = dict(self.fit(model, out))
            return {
                "mitigation": self.spec.model_dump(mode="json"),
                "base_model": handle.name,
                "base_fingerprint": handle.fingerprint,
                "trainer_version": self.version,
                "train_seconds": round(time.perf_counter() - started, 1),
                **stats,
            }

        path, card = cache.get_or_build(key, build)
        return self.load(model, path, card)

    @abstractmethod
    def fit(self, model: Any, out: Path) -> Mapping[str, Any]:
        """Train from ``model`` and write the new weights into ``out``; return card stats."""

    def load(self, model: Any, artifact: Path, card: Mapping[str, Any]) -> Any:
        """A copy of the base ``model`` with the delta from ``artifact`` in place."""
        tuned = model.load_delta(artifact)
        tuned.card = dict(card)
        return tuned
