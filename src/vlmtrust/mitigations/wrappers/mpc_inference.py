"""Secure multi-party zero-shot scoring (MPyC): the logits computed on secret shares among 3
local party processes, parallel to ``he_inference``.

Trust model: party 0 (the client, the scanner) secret-shares its image embeddings, party 1 (the
server) its zero-shot head (scaled text embeddings and bias), party 2 holds nothing and makes
the honest majority; the logits are opened to party 0 alone. No single party learns another's
input (Shamir threshold 1); any two together could. One job per ``classify`` call scores the
whole batch, so seconds and bytes per image are the batch's divided by its size (process start
is reported apart, in details).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.private.extra import require_extra
from vlmtrust.mitigations.private.linear_head import zero_shot_head
from vlmtrust.mitigations.private.mpc import MpcSetting, mpc_logits
from vlmtrust.mitigations.private.scoring import PrivateScores
from vlmtrust.models.base import ModelHandle


class MpcInferenceParams(Params):
    bit_length: int = Field(default=64, ge=32, le=128, description="bits of a secure integer")
    frac_bits: int = Field(default=20, ge=8, le=40, description="fixed-point fraction bits")
    timeout_s: float = Field(default=300.0, gt=0, description="seconds before the parties stop")


class MpcInference(Wrapper):
    Params = MpcInferenceParams
    params: MpcInferenceParams
    requires = ("Classifier", "Embedder")
    acts_on = frozenset({"classify", "private_scores"})

    def check_model(self, handle: ModelHandle) -> None:
        require_extra("mpyc", "mitigation mpc_inference")

    def wrap(self, model: Any) -> MpcInferenceModel:
        setting = MpcSetting(self.params.bit_length, self.params.frac_bits, self.params.timeout_s)
        return MpcInferenceModel(model, setting)


class MpcInferenceModel(WrappedModel):
    """The model with its zero-shot head computed on secret shares."""

    def __init__(self, inner: Any, setting: MpcSetting) -> None:
        super().__init__(inner)
        self.setting = setting

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        return self.private_scores(images, labels).private

    def private_scores(self, images: Sequence[Image.Image], labels: Sequence[str]) -> PrivateScores:
        protocol = {"protocol": "mpc_inference", **self.setting.details()}
        if not images:
            empty = np.zeros((0, len(labels)))
            return PrivateScores(empty, empty, [], [], protocol)
        head, embeddings, plain = zero_shot_head(self.inner, images, labels)
        logits, run = mpc_logits(head, embeddings, self.setting)
        n = len(images)
        protocol |= {"batch": n, "job_wall_seconds": round(run.wall_seconds, 3)}
        return PrivateScores(
            logits,
            plain,
            [run.protocol_seconds / n] * n,
            [run.bytes_exchanged // n] * n,
            protocol,
        )
