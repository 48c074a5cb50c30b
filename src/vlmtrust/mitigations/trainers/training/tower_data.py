"""The tower trainers' rows from a user's ``train_data`` folder (``training.train_data``), in the
shapes their world data has: images as the model's own pixels with their captions (``mixgen``,
``align``, ``biaug``, ``resample``), or with one class index per label column, the classes being
the column's distinct values (``pgd_at``, ``villa``, ``resample``'s cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from vlmtrust.core.capabilities import Tunable
from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.mitigations.trainers.training.train_data import column, train_samples


@dataclass(frozen=True)
class UserRows:
    """A train_data folder's usable rows, their pixels (``Tunable.to_pixels``) and columns."""

    samples: list[Sample]
    pixels: torch.Tensor

    def values(self, name: str) -> list[str]:
        return [column(s, name) for s in self.samples]

    def classes(self, name: str) -> list[str]:
        """The column's distinct values, sorted: the classes a label column defines."""
        return sorted(set(self.values(name)))

    def targets(self, name: str) -> torch.Tensor:
        """Each row's class index into ``classes(name)``."""
        lookup = {c: i for i, c in enumerate(self.classes(name))}
        return torch.tensor([lookup[v] for v in self.values(name)])


def user_rows(model: Tunable, train_data: str, trainer: str, columns: Sequence[str]) -> UserRows:
    """The rows with an image and every one of ``columns``, rendered as the model reads them."""
    samples = train_samples(train_data, trainer, columns)
    return UserRows(samples, model.to_pixels([s.load_image() for s in samples]))


def require_classes(
    samples: Sequence[Sample], names: Sequence[str], train_data: str, trainer: str
) -> None:
    """A label column with one value gives nothing to tell apart: a one-line DataError."""
    for name in names:
        values = sorted({column(s, name) for s in samples})
        if len(values) < 2:
            raise DataError(
                f"train_data {train_data} has a single {name} value ({values[0]!r}); "
                f"{trainer} needs at least 2 classes",
                f"label the rows with at least two {name} values",
            )
