"""Encrypted zero-shot inference (CKKS, TenSEAL): the model's logits computed by a server that
never sees the image embedding or the logits in the clear.

Trust model: the client (the scanner) runs the image tower, encrypts the embedding with its own
secret key and decrypts the reply; the server holds the zero-shot head (the class prompts' text
embeddings, times the logit scale) in plaintext and only the public evaluation keys. The reply is
masked to the logits, so the client learns its logits and nothing else of the head. Parameters:
see :class:`vlmtrust.mitigations.private.ckks.CkksSetting` (128-bit security).

``classify`` answers with the decrypted logits, so ``robustness.zero_shot`` under
``--mitigate he_inference`` is scored through CKKS on the baseline's samples;
``private_scores`` adds the plaintext reference, time and bytes for
``privacy.private_inference``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.private.ckks import (
    CkksClient,
    CkksServer,
    CkksSetting,
    Layout,
    encrypted_logits,
)
from vlmtrust.mitigations.private.extra import import_extra
from vlmtrust.mitigations.private.linear_head import zero_shot_head
from vlmtrust.mitigations.private.scoring import PrivateScores
from vlmtrust.models.base import ModelHandle


class HeInferenceParams(Params):
    poly_modulus_degree: int = Field(default=8192, description="CKKS ring degree (slots: half)")
    coeff_mod_bit_sizes: tuple[int, ...] = Field(
        default=(49, 40, 40, 40, 49),
        description="CKKS prime sizes in bits (sum <= the 128-bit limit of the degree)",
    )
    scale_bits: int = Field(default=40, ge=20, le=60, description="global scale 2^scale_bits")


class HeInference(Wrapper):
    Params = HeInferenceParams
    params: HeInferenceParams
    requires = ("Classifier", "Embedder")
    acts_on = frozenset({"classify", "private_scores"})

    def setting(self) -> CkksSetting:
        return CkksSetting(
            self.params.poly_modulus_degree, self.params.coeff_mod_bit_sizes, self.params.scale_bits
        )

    def check_model(self, handle: ModelHandle) -> None:
        self.setting().check()
        import_extra("tenseal", "mitigation he_inference")

    def wrap(self, model: Any) -> HeInferenceModel:
        return HeInferenceModel(model, self.setting())


class HeInferenceModel(WrappedModel):
    """The model with its zero-shot head computed under CKKS."""

    def __init__(self, inner: Any, setting: CkksSetting) -> None:
        super().__init__(inner)
        self.setting = setting
        self._client: CkksClient | None = None
        self._public: bytes = b""

    def _ckks_client(self) -> CkksClient:
        if self._client is None:
            self._client = CkksClient(self.setting)
            self._public = self._client.public_context()
        return self._client

    def classify(self, images: Sequence[Image.Image], labels: Sequence[str]) -> np.ndarray:
        return self.private_scores(images, labels).private

    def private_scores(self, images: Sequence[Image.Image], labels: Sequence[str]) -> PrivateScores:
        if not images:
            empty = np.zeros((0, len(labels)))
            return PrivateScores(empty, empty, [], [], self._protocol(0))
        head, embeddings, plain = zero_shot_head(self.inner, images, labels)
        client = self._ckks_client()
        layout = Layout(embeddings.shape[1], len(labels), self.setting.slots)
        server = CkksServer(self._public, head, layout)
        rows, seconds, sent = [], [], []
        for embedding in embeddings:
            start = time.perf_counter()
            logits, traffic = encrypted_logits(client, server, embedding, len(labels))
            seconds.append(time.perf_counter() - start)
            sent.append(traffic.query_bytes + traffic.reply_bytes)
            rows.append(logits)
        return PrivateScores(
            np.stack(rows), plain, seconds, sent, self._protocol(layout.replies, layout)
        )

    def _protocol(self, replies: int, layout: Layout | None = None) -> dict[str, Any]:
        extra: dict[str, Any] = {"replies_per_image": replies, "key_bytes_once": len(self._public)}
        if layout is not None:
            extra["slot_layout"] = f"{layout.rows} rows x {layout.cols} classes"
        return {"protocol": "he_inference", **self.setting.details(), **extra}
