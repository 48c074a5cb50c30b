"""What private scoring costs and how exact it is: the zero-shot head computed under a private
protocol (``--mitigate he_inference``: CKKS; ``--mitigate mpc_inference``: 3-party MPC) against
the same head in plaintext, per image: whether the argmax is the plaintext one, the logit error,
seconds and bytes on the wire.

The baseline (no private protocol) is the plaintext split the protocols replace: the client
sends its float32 embedding and gets float32 logits back, so its error is 0 by construction and
its seconds (the head alone, as the protocols' seconds are: the image tower runs on the client
either way) and bytes are what the private variants' overhead is read against, on the same
samples. The protocol's parameters (CKKS degree, moduli, scale, security level; MPC parties and
fixed-point precision) are in every row's details.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.metrics.declared import Declared, Estimator, bootstrap_mean, rate
from vlmtrust.metrics.rates import Estimate
from vlmtrust.mitigations.private.linear_head import zero_shot_head
from vlmtrust.tasks.robustness.conditions import CLEAN
from vlmtrust.tasks.robustness.zero_shot import ZeroShot

FLOAT32_BYTES = 4
PLAINTEXT = {"protocol": "plaintext", "wire": "float32 embedding out, float32 logits back"}


def _protocol(scores: Sequence[Score]) -> dict[str, Any]:
    for s in scores:
        if not s.unscorable and "protocol" in s.details:
            return dict(s.details["protocol"])
    return {}


def _largest(scores: Sequence[Score]) -> Estimate:
    kept = [float(s.value or 0.0) for s in scores if not s.unscorable]
    value = max(kept) if kept else None
    return Estimate(value, None, None, len(kept), len(scores) - len(kept))


def _mean(metric: str, name: str) -> Estimator:
    return bootstrap_mean(metric, name, details=_protocol)


#: what every protocol is read by, the plaintext split included
METRICS: tuple[Declared, ...] = (
    rate("agrees", "argmax_agreement", details=_protocol),
    Estimator("logit_error_max", "logit_abs_error_max", _largest, details=_protocol),
    _mean("logit_error_mean", "logit_abs_error_mean"),
    _mean("seconds", "seconds_per_image"),
    _mean("bytes", "bytes_per_image"),
)


class PrivateInference(ZeroShot):
    requires: ClassVar[tuple[str, ...]] = ("Classifier", "Embedder")
    hooks: ClassVar[tuple[str, ...]] = ("private_scores",)
    in_pillar_suite = False
    headline = "argmax_agreement"

    def declared_metrics(self) -> Sequence[Declared]:
        return METRICS

    def conditions(self) -> list[Spec]:
        return [CLEAN]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        classes = self.params.classes
        if classes is None:
            raise RuntimeError("score() needs a resolved task (call resolve first)")
        prompts = [self.params.template.format(c) for c in classes]
        scored = [s for s in samples if s.image is not None]
        images = [s.load_image() for s in scored]
        private = getattr(model, "private_scores", None)
        if private is not None:
            result = private(images, prompts)
            logits, plain = np.asarray(result.private), np.asarray(result.plain)
            seconds, sent, protocol = result.seconds, result.bytes_sent, result.protocol
        else:
            logits, seconds, sent = self._plaintext(model, images, prompts)
            plain, protocol = logits, PLAINTEXT
        by_id = {s.id: i for i, s in enumerate(scored)}
        out: list[list[Score]] = []
        for sample in samples:
            i = by_id.get(sample.id)
            if i is None:
                out.append([Score.cannot_score(sample.id, "agrees", "no image")])
                continue
            error = np.abs(logits[i] - plain[i])
            details = {"protocol": protocol}
            values = {
                "agrees": float(int(logits[i].argmax()) == int(plain[i].argmax())),
                "logit_error_max": float(error.max()),
                "logit_error_mean": float(error.mean()),
                "seconds": float(seconds[i]),
                "bytes": float(sent[i]),
            }
            out.append(
                [
                    Score(sample_id=sample.id, metric=m, value=v, details=details)
                    for m, v in values.items()
                ]
            )
        return out

    @staticmethod
    def _plaintext(
        model: Any, images: Sequence[Any], prompts: Sequence[str]
    ) -> tuple[np.ndarray, list[float], list[int]]:
        """The plaintext split the protocols replace: the head applied to each image's
        embedding (timed alone, as the protocols' seconds are), and the bytes of a float32
        embedding out and float32 logits back."""
        if not images:
            return np.zeros((0, len(prompts))), [], []
        head, embeddings, plain = zero_shot_head(model, images, prompts)
        seconds = []
        for embedding in embeddings:
            start = time.perf_counter()
            head.logits(embedding)
            seconds.append(time.perf_counter() - start)
        sent = [FLOAT32_BYTES * (embeddings.shape[1] + len(prompts))] * len(images)
        return plain, seconds, sent

    def row_details(self) -> dict[str, Any]:
        return {"label": self.params.label, "classes": len(self.params.classes or ())}
