"""Zero-shot tasks whose attack aims at a specific wrong class (a written word, an adversarial
target): besides accuracy they report ``attack_success``, the share classified as that class,
which tells "fooled" from "merely wrong"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from vlmtrust.core.records import Sample, Score
from vlmtrust.metrics.declared import Declared, attacked_only, rate
from vlmtrust.tasks.robustness.zero_shot import ZeroShot


class TargetedZeroShot(ZeroShot):
    #: the sample label where the attack records the class it aims at
    target_key: ClassVar[str]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        scored = super().score(model, samples)
        for sample, scores in zip(samples, scored, strict=True):
            target = sample.labels.get(self.target_key)
            if target is None or scores[0].unscorable:
                continue
            fooled = float(scores[0].label == target)
            scores.append(
                Score(sample_id=sample.id, metric="fooled", value=fooled, label=str(target))
            )
        return scored

    def declared_metrics(self) -> Sequence[Declared]:
        meaning = {"meaning": f"share classified as the attack's {self.target_key}"}
        success = rate("fooled", "attack_success", details=meaning, shared=False, unscorable=False)
        return (*self.metrics, attacked_only(success))
