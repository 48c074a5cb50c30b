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
``privacy.private_inference``. With ``head=probe`` the server's head is a logistic-regression
probe trained on the model's embeddings of held-out world scenes instead of the prompts' text
embeddings (the plaintext reference is then that probe in plaintext).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import ConfigError
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
from vlmtrust.mitigations.private.linear_head import (
    LinearHead,
    fit_probe,
    prompt_classes,
    zero_shot_head,
)
from vlmtrust.mitigations.private.scoring import PrivateScores
from vlmtrust.models.base import ModelHandle


class HeInferenceParams(Params):
    poly_modulus_degree: int = Field(default=8192, description="CKKS ring degree (slots: half)")
    coeff_mod_bit_sizes: tuple[int, ...] = Field(
        default=(49, 40, 40, 40, 49),
        description="CKKS prime sizes in bits (sum <= the 128-bit limit of the degree)",
    )
    scale_bits: int = Field(default=40, ge=20, le=60, description="global scale 2^scale_bits")
    head: Literal["zero_shot", "probe"] = Field(
        default="zero_shot",
        description="the server's head: the class prompts' text embeddings, or a linear probe",
    )
    probe_label: str = Field(default="shape", description="world label the probe is trained on")
    probe_n: int = Field(default=400, ge=20, description="held-out world scenes to train it on")
    probe_seed: int = Field(default=7_000_003, description="seed of the probe's training scenes")


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
        return HeInferenceModel(model, self.setting(), self.probe(model))

    def probe(self, model: Any) -> Probe | None:
        """With ``head=probe``: a logistic-regression head trained on the model's embeddings of
        held-out world scenes (a seed no scan uses by default), never the scanned samples."""
        if self.params.head != "probe":
            return None
        from vlmtrust.data import world

        classes = {"shape": world.SHAPES, "colour": world.COLOURS}.get(self.params.probe_label)
        if classes is None:
            raise ConfigError(
                f"probe_label {self.params.probe_label!r} is not a world label with a class list",
                "use probe_label=shape or probe_label=colour",
            )
        scenes = world.generate(self.params.probe_seed, self.params.probe_n)
        embeddings = np.asarray(model.encode_image([s.load_image() for s in scenes]))
        truth = [str(s.labels[self.params.probe_label]) for s in scenes]
        return Probe(tuple(classes), fit_probe(embeddings, truth, classes))


@dataclass(frozen=True)
class Probe:
    classes: tuple[str, ...]
    head: LinearHead

    def for_prompts(self, model: Any, images: Sequence[Image.Image], prompts: Sequence[str]) -> Any:
        """The probe's rows for ``prompts``, the images' embeddings and the plaintext logits."""
        rows = prompt_classes(prompts, self.classes)
        head = LinearHead(self.head.weight[rows], self.head.bias[rows])
        embeddings = np.asarray(model.encode_image(images), dtype=np.float64)
        return head, embeddings, head.logits(embeddings)


class HeInferenceModel(WrappedModel):
    """The model with its zero-shot head (or a linear probe) computed under CKKS."""

    def __init__(self, inner: Any, setting: CkksSetting, probe: Probe | None = None) -> None:
        super().__init__(inner)
        self.setting = setting
        self._probe = probe
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
        if self._probe is not None:
            head, embeddings, plain = self._probe.for_prompts(self.inner, images, labels)
        else:
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
        extra["head"] = "linear probe" if self._probe is not None else "zero-shot text embeddings"
        return {"protocol": "he_inference", **self.setting.details(), **extra}
