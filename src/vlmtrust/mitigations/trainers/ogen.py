"""``ogen``: fine-tune a CLIP's image tower with synthesized features of unknown classes as extra
negatives (after OGEN, Wang et al. 2023, "Overcoming the Pitfalls of Vision-Language Model
Finetuning for OOD Generalization").

A fine-tune on known classes alone learns to put every image near some known class, the pitfall
OGEN names: unfamiliar inputs become confidently familiar. OGEN adds classes the data never shows
(``unknown`` names, none of them a class any task here scores) and synthesizes image features for
them from their names alone, so the known classes' decision regions must leave room for the rest.

1. The synthesizer (OGEN's class-conditional feature generator, kept small): an unknown name's
   text embedding attends over the known class prompts' embeddings; the attended known classes'
   mean features are its start, and a linear map of the text offset (what the name says beyond
   the attended names) moves it. It is fitted leave-one-class-out on the known classes' images (a
   ridge regression, solved exactly): each known class in turn is the "unknown" one, predicted
   from the others. Features live where
   the tuned projection reads (the pooled output of the tuned blocks).
2. The fine-tune: InfoNCE of images against their captions (as the organism was trained) plus
   ``ogen_weight`` x a cross-entropy over the known *and* unknown class prompts, for the labelled
   images (their known class) and for synthesized features (their unknown class; each step
   synthesizes from the current class means of the batch, with Gaussian noise of the known
   classes' own spread). ``ogen_weight=0`` is the plain caption fine-tune; ``unknown=[]`` the
   joint objective on the known classes only.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.class_finetune import (
    ClassData,
    ClassFinetuneParams,
    ClassTowerTrainer,
    class_data,
)
from vlmtrust.mitigations.trainers.training.tower_finetune import (
    CaptionBank,
    SplitTower,
    data_count,
    info_nce,
)

#: shape-like names no world family draws and no task scores (the OOD family's are star,
#: crescent, arrow and spiral; none of these is a synonym of a known shape either)
UNKNOWN_NAMES: tuple[str, ...] = (
    "pentagon",
    "octagon",
    "trapezoid",
    "ring",
    "cone",
    "pyramid",
    "leaf",
    "cloud",
)


class OgenParams(ClassFinetuneParams):
    unknown: tuple[str, ...] = Field(
        default=UNKNOWN_NAMES, description="names of unknown classes whose features are made"
    )
    ogen_weight: float = Field(
        default=1.0, ge=0.0, description="weight of the known + unknown class cross-entropy"
    )
    per_unknown: int = Field(
        default=8, ge=1, description="features synthesized per unknown class and step"
    )
    noise: float = Field(
        default=1.0, ge=0.0, description="synthesized noise, in units of the classes' own spread"
    )
    synth_ridge: float = Field(
        default=0.1, gt=0.0, description="ridge penalty of the synthesizer's offset map"
    )
    synth_temperature: float = Field(
        default=0.05, gt=0.0, description="softmax temperature of the attention over known classes"
    )


class FeatureSynthesizer(nn.Module):
    """An unknown class's feature from its text embedding and the known classes' (text,
    feature) pairs: attention over the known texts picks a start, a linear map of the text
    offset moves it (zero at first: pure attention)."""

    def __init__(self, text_dim: int, feature_dim: int, temperature: float) -> None:
        super().__init__()
        self.offset = nn.Linear(text_dim, feature_dim, bias=False)
        nn.init.zeros_(self.offset.weight)
        self.temperature = temperature

    def forward(
        self,
        text: torch.Tensor,
        known_text: torch.Tensor,
        known_features: torch.Tensor,
        allowed: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``allowed[u, k]``: may unknown ``u`` attend to known class ``k`` (default: all)."""
        attention = text @ known_text.T / self.temperature
        if allowed is not None:
            attention = attention.masked_fill(~allowed, float("-inf"))
        weights = torch.softmax(attention, dim=-1)
        start = weights @ known_features
        moved: torch.Tensor = start + self.offset(text - weights @ known_text)
        return moved


def class_means(
    features: torch.Tensor, targets: torch.Tensor, classes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per class the mean feature of its rows, and whether the class has any row."""
    one_hot = nn.functional.one_hot(targets, classes).to(features.dtype)  # rows x classes
    counts = one_hot.sum(0)
    means = one_hot.T @ features / counts.clamp(min=1)[:, None]
    return means, counts > 0


def fit_synthesizer(
    synthesizer: FeatureSynthesizer,
    known_text: torch.Tensor,
    known_features: torch.Tensor,
    ridge: float,
) -> float:
    """Fit leave-one-class-out (each known class predicted from the others). The attention is
    fixed, so the offset map is a ridge regression of what attention misses on the text
    offsets, solved exactly (dual form: k x k). Returns the relative squared error on the
    classes it was fitted on."""
    k = len(known_text)
    allowed = ~torch.eye(k, dtype=torch.bool)
    with torch.no_grad():
        synthesizer.offset.weight.zero_()
        start = synthesizer(known_text, known_text, known_features, allowed)
        weights = torch.softmax(
            (known_text @ known_text.T / synthesizer.temperature).masked_fill(
                ~allowed, float("-inf")
            ),
            dim=-1,
        )
        offsets = known_text - weights @ known_text
        missed = known_features - start
        gram = offsets @ offsets.T + ridge * torch.eye(k)
        synthesizer.offset.weight.copy_((offsets.T @ torch.linalg.solve(gram, missed)).T)
        made = synthesizer(known_text, known_text, known_features, allowed)
    for p in synthesizer.parameters():
        p.requires_grad_(False)
    return relative_error(made, known_features)


def relative_error(made: torch.Tensor, features: torch.Tensor) -> float:
    """Mean squared error relative to the features' mean squared norm."""
    return float((made - features).pow(2).sum(-1).mean() / features.pow(2).sum(-1).mean())


def held_out_errors(
    known_text: torch.Tensor, known_features: torch.Tensor, ridge: float, temperature: float
) -> dict[str, float]:
    """How well a synthesizer predicts a class it never saw: each known class in turn is left
    out entirely, a synthesizer fitted on the rest predicts it from the rest. The relative
    squared error of pure attention and of the fitted synthesizer over the held-out classes."""
    k = len(known_text)
    made: dict[str, list[torch.Tensor]] = {"attention_only": [], "fitted": []}
    for held in range(k):
        rest = torch.arange(k) != held
        synthesizer = FeatureSynthesizer(known_text.shape[1], known_features.shape[1], temperature)
        query = known_text[held : held + 1]
        with torch.no_grad():
            made["attention_only"].append(
                synthesizer(query, known_text[rest], known_features[rest])
            )
            fit_synthesizer(synthesizer, known_text[rest], known_features[rest], ridge)
            made["fitted"].append(synthesizer(query, known_text[rest], known_features[rest]))
    return {
        f"synth_held_out_error_{name}": round(relative_error(torch.cat(m), known_features), 4)
        for name, m in made.items()
    }


class Ogen(ClassTowerTrainer):
    Params: ClassVar[type[Params]] = OgenParams

    def _train(self, model: Any, params: OgenParams) -> tuple[Any, dict[str, Any]]:
        generator, data = class_data(params, model, self.spec.name)
        known = len(data.classes)
        bank = CaptionBank(model, data.captions)
        names = [*data.classes, *params.unknown]
        prompts = model.text_targets([params.template.format(c) for c in names])
        split = SplitTower(model, params.tuned_blocks)
        early = split.early(data.pixels)
        synthesizer, spread, synth_stats = self._synthesizer(split, early, data, prompts, params)
        target = bank.index(data.captions)
        labelled = data.labelled
        optimiser = torch.optim.Adam(split.parameters(), params.lr)
        scale = model.logit_scale()
        unknown_targets = torch.arange(known, len(names)).repeat_interleave(params.per_unknown)
        fit_loss = class_loss = 0.0
        for _ in range(params.steps):
            batch = torch.randint(len(data.captions), (params.batch_size,), generator=generator)
            pooled = split.pooled(early[batch])
            fit = info_nce(scale, split.embed_pooled(pooled), bank.embeddings, target[batch])
            loss = fit
            has_class = data.targets[batch] >= 0
            if params.ogen_weight > 0 and bool(has_class.any()):
                real_pooled, real_target = pooled[has_class], data.targets[batch][has_class]
                logits = scale * split.embed_pooled(real_pooled) @ prompts.T
                joint = nn.functional.cross_entropy(logits, real_target)
                if params.unknown:
                    made = self._synthesize(
                        synthesizer, real_pooled, real_target, prompts, known, spread, generator
                    )
                    made_logits = scale * split.embed_pooled(made) @ prompts.T
                    joint = joint + nn.functional.cross_entropy(made_logits, unknown_targets)
                loss = fit + params.ogen_weight * joint
                class_loss = float(joint.detach())
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            fit_loss = float(fit.detach())
        return split.done(), {
            "final_loss": round(fit_loss, 4),
            "final_class_loss": round(class_loss, 4),
            **data_count(params, len(data.captions)),
            "labelled_images": len(labelled),
            "unknown_classes": list(params.unknown),
            **synth_stats,
        }

    def _synthesizer(
        self,
        split: SplitTower,
        early: torch.Tensor,
        data: ClassData,
        prompts: torch.Tensor,
        params: OgenParams,
    ) -> tuple[FeatureSynthesizer, torch.Tensor, dict[str, float]]:
        """The synthesizer fitted on the base tower's pooled features of the labelled images,
        and the known classes' mean per-dimension spread (the noise of a synthesized feature)."""
        known = len(data.classes)
        labelled = data.labelled
        with torch.no_grad():
            pooled = split.pooled(early[labelled]).float()
        targets = data.targets[labelled]
        means, present = class_means(pooled, targets, known)
        spread = (pooled - means[targets]).pow(2).mean(0).sqrt()
        synthesizer = FeatureSynthesizer(
            prompts.shape[1], pooled.shape[1], params.synth_temperature
        )
        text, features = prompts[:known][present], means[present]
        stats = held_out_errors(text, features, params.synth_ridge, params.synth_temperature)
        fitted = fit_synthesizer(synthesizer, text, features, params.synth_ridge)
        stats["synth_fit_error"] = round(fitted, 4)
        return synthesizer, spread, stats

    def _synthesize(
        self,
        synthesizer: FeatureSynthesizer,
        pooled: torch.Tensor,
        targets: torch.Tensor,
        prompts: torch.Tensor,
        known: int,
        spread: torch.Tensor,
        generator: torch.Generator,
    ) -> torch.Tensor:
        """``per_unknown`` noisy features per unknown class, from the batch's class means
        under the current tower (gradients flow into the tuned blocks through them)."""
        params = self.params
        assert isinstance(params, OgenParams)
        means, present = class_means(pooled.float(), targets, known)
        made: torch.Tensor = synthesizer(prompts[known:], prompts[:known][present], means[present])
        made = made.repeat_interleave(params.per_unknown, dim=0)
        noise = torch.randn(made.shape, generator=generator) * spread * params.noise
        return (made + noise).to(pooled.dtype)
