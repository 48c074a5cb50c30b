"""The logistic-regression heads our judges ship as JSON weights: fitted once with scikit-learn
(``lbfgs`` on a fixed set: deterministic), applied with numpy, so judging needs no sklearn
pickle and the weights stay readable and diffable."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

import numpy as np


@functools.cache
def _encoder() -> Any:
    from vlmtrust.models.text_encoder import shared

    return shared()


def embed_pieces(*groups: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
    """MiniLM embedding of every distinct piece (sentence, clause) in ``groups``, each embedded
    once, in one length-sorted call (little padding), so a batch of responses costs seconds."""
    unique = sorted({p for group in groups for pieces in group for p in pieces}, key=len)
    if not unique:
        return {}
    encoded = _encoder().encode(unique)
    return {piece: encoded[i] for i, piece in enumerate(unique)}


def fit(x: np.ndarray, y: np.ndarray, c: float, weights: np.ndarray | None = None) -> Any:
    """A class-balanced logistic regression (balanced: rare classes are not out-voted);
    ``weights`` per row, e.g. to count hand-written rows more than templated ones."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    return model.fit(x, y, sample_weight=weights)


def weights_content(model: Any, **meta: Any) -> dict[str, Any]:
    """What a weights file holds: ``meta`` (classes, C, what it was trained on), coef, intercept."""
    return {
        **meta,
        "coef": np.round(model.coef_, 6).tolist(),
        "intercept": np.round(model.intercept_, 6).tolist(),
    }


@functools.cache
def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The shipped ``calibration/<name>`` weights (coef, intercept)."""
    data = json.loads(files("vlmtrust.scorers").joinpath("calibration", name).read_text())
    return np.asarray(data["coef"]), np.asarray(data["intercept"])


def probabilities(x: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Class probabilities, one row per feature row: softmax for several classes, and for a
    binary model (one coefficient row) the columns P(class 0), P(class 1) as sklearn orders them."""
    logits = x @ coef.T + intercept
    if coef.shape[0] == 1:
        logits = np.concatenate([np.zeros_like(logits), logits], axis=1)
    logits -= logits.max(axis=1, keepdims=True)
    odds = np.exp(logits)
    return np.asarray(odds / odds.sum(axis=1, keepdims=True))
