"""A condition's scores as columns: what aggregation reads of them when its metrics need only
counts and 0/1 or float vectors (rates, their differences, coverage, the gallery's ranks, paired
terms). A Score object costs about 1.6 KB; its columns cost 15 bytes, so a task of 100k
samples aggregates in a few MB (``metrics.compact``)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ScoreColumns:
    """Scores in their stored order: each one's planned sample (its position in the cell),
    metric (a code into ``names``), value (NaN for None) and whether it is unscorable."""

    position: np.ndarray
    metric: np.ndarray
    names: tuple[str, ...]
    value: np.ndarray
    unscorable: np.ndarray
    #: whether the value was None (NaN stands in for it in ``value``)
    missing: np.ndarray

    def __len__(self) -> int:
        return len(self.position)

    def code(self, name: str) -> int:
        """The code of metric ``name`` (-1: no score has it)."""
        return self.names.index(name) if name in self.names else -1

    def is_metric(self, name: str | None) -> np.ndarray:
        """Which scores are of metric ``name`` (None: all of them)."""
        if name is None:
            return np.ones(len(self), dtype=bool)
        return np.asarray(self.metric == self.code(name))

    def where(self, keep: np.ndarray) -> ScoreColumns:
        """The scores ``keep`` marks, in order."""
        return ScoreColumns(
            self.position[keep],
            self.metric[keep],
            self.names,
            self.value[keep],
            self.unscorable[keep],
            self.missing[keep],
        )

    def of(self, name: str | None) -> ScoreColumns:
        """The scores of metric ``name`` (None: all), as ``_of`` filters Score lists."""
        return self if name is None else self.where(self.is_metric(name))


class ColumnsBuilder:
    """Collects stored scores (their JSON dicts) into ``ScoreColumns``, one at a time."""

    def __init__(self) -> None:
        self._position = array("q")
        self._metric = array("h")
        self._value = array("d")
        self._unscorable = array("b")
        self._missing = array("b")
        self._names: dict[str, int] = {}

    def add(self, position: int, scores: Iterable[Mapping[str, Any]]) -> None:
        for score in scores:
            value = score.get("value")
            self._position.append(position)
            self._metric.append(self._names.setdefault(str(score["metric"]), len(self._names)))
            self._value.append(float("nan") if value is None else float(value))
            self._unscorable.append(bool(score.get("unscorable", False)))
            self._missing.append(value is None)

    def build(self) -> ScoreColumns:
        return ScoreColumns(
            np.frombuffer(self._position, dtype=np.int64).copy(),
            np.frombuffer(self._metric, dtype=np.int16).copy(),
            tuple(self._names),
            np.frombuffer(self._value, dtype=np.float64).copy(),
            np.frombuffer(self._unscorable, dtype=np.int8).astype(bool),
            np.frombuffer(self._missing, dtype=np.int8).astype(bool),
        )
