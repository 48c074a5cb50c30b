"""LiRA, offline variant (Carlini et al. 2022, "Membership Inference Attacks From First
Principles"): a per-example likelihood-ratio test against shadow models that never saw it.

A threshold attack compares every image with one global cut-off, so an image that is easy for
any model looks like a member. LiRA asks instead how the target's confidence on *this* image
compares with what models trained the same way *without* it give. The offline variant trains only
OUT shadows, so the shadows do not depend on the scanned images and are trained once per scan.

For the zoo organisms a shadow is what the attacker can afford: the public pre-trained tower with
its projection head fine-tuned by the target's own recipe (the trainer named in its card, e.g.
``overfit``; ``overfit`` defaults for an organism with no card) on a random half of a pool of
fresh world scenes (``shadow_seed``), never the scanned ones. The statistic is a logit-scaled
confidence phi = log p - log(1 - p): by default (``cosine``) p = (1 + cos) / 2, the image-caption
match read as a probability; with ``softmax``, p is the softmax (at the model's logit scale) of the
image's own caption against the shadow pool's distinct captions (weaker here: the world's
templated captions are near each other, so p saturates for members and non-members alike).
Each image's OUT phi over the shadows gives
its mean; with few shadows the variance is pooled over images (the paper's fixed-variance
variant); the score is the one-sided z = (phi_target - mean_out) / sd_out: large when the target
is more confident than models that never saw the image.

Budget (issue 27): a copy of the first shadow's training is counted (FLOPs,
``torch.utils.flop_counter``; with ``budget_s`` the first shadow's seconds), and when all
``shadows`` would exceed the task's ``budget_flops`` (or ``budget_s``) fewer shadows are trained
(at least one: the pooled variance still holds) and the cut is recorded in ``details["cut"]``.
A shadow is never trained for fewer epochs, nor stopped early: offline LiRA needs shadows
trained the way the target was. The pool's features (one tower pass) are a fixed cost the
budget does not cut. Every zoo organism's 8 shadows fit.
"""

from __future__ import annotations

import copy
import time
import weakref
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch

from vlmtrust.core.capabilities import BlockTower, ConvTower, Tunable, pooled_features
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Spec
from vlmtrust.core.work_budget import (
    DEFAULT_WORK_FLOPS,
    UNITS,
    WorkBudget,
    count_flops,
    cut_record,
    deadline_after,
    past,
    plan_units,
)
from vlmtrust.models.base import training_pool

#: seed of the shadow models' data pool: distinct from every member, reference and scan seed
SHADOW_SEED = 2_000_003
#: variance floor, so identical shadows (a recipe that barely moves the head) do not divide by 0
MIN_SD = 1e-3
#: fresh scenes the pooled OUT variance is measured on
CALIBRATION = 64


def supports(model: Any) -> bool:
    """Shadow fine-tunes need a Tunable dual encoder whose image tower is a ConvTower with its
    projection (the zoo CLIP organisms, whose training pool the shadows redraw): its head is
    what a shadow re-trains."""
    if not isinstance(model, Tunable) or not {"image_tower", "projection"} <= model.tunable_roles():
        return False
    return isinstance(model.module("image_tower"), ConvTower)


def shadow_recipe(model: Any) -> Spec:
    """The target's own training recipe from its card, or ``overfit`` defaults."""
    card = getattr(model, "card", None)
    if isinstance(card, Mapping) and isinstance(card.get("mitigation"), Mapping):
        spec = card["mitigation"]
        return Spec(name=str(spec["name"]), params=dict(spec.get("params") or {}))
    return Spec(name="overfit")


#: shadows per loaded model: the runner builds a task per batch, the model lives for the scan
_TRAINED: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], OfflineLira]] = (
    weakref.WeakKeyDictionary()
)


def shadows_for(
    model: Any,
    organism: str,
    shadows: int,
    seed: int,
    statistic: str,
    budget_flops: float = DEFAULT_WORK_FLOPS,
    budget_s: float | None = None,
) -> OfflineLira:
    """The model's shadows, trained on first use and reused by every later batch."""
    trained = _TRAINED.setdefault(model, {})
    key = (organism, shadows, seed, statistic, budget_flops, budget_s)
    if key not in trained:
        trained[key] = OfflineLira(
            model, organism, shadows, seed, statistic, budget_flops, budget_s
        )
    return trained[key]


class OfflineLira:
    """Shadow heads trained once; ``scores(samples)`` gives each sample's z and its phi."""

    def __init__(
        self,
        model: Any,
        organism: str,
        shadows: int,
        seed: int,
        statistic: str = "cosine",
        budget_flops: float = DEFAULT_WORK_FLOPS,
        budget_s: float | None = None,
    ) -> None:
        from vlmtrust.mitigations.base import build_mitigation
        from vlmtrust.mitigations.trainers.training.clip_head import ClipFinetune, MemberData

        self.model, self.recipe, self.statistic = model, shadow_recipe(model), statistic
        trainer = build_mitigation(self.recipe)
        if not isinstance(trainer, ClipFinetune):
            raise TypeError(f"{self.recipe.name} does not fine-tune a projection head")
        members = int(trainer.params.members)  # type: ignore[attr-defined]
        # the public pre-trained model a fine-tuned target started from (ClipFinetune.load),
        # else the target itself: the shadows start where the target's training started
        base = getattr(model, "pretrained", model)
        recipe = training_pool(f"zoo:{organism}")
        trainer.base, trainer.pool_recipe = base, recipe
        pool = MemberData(base, recipe, 2 * members, seed)
        self.bank_captions = sorted(set(pool.captions))
        self.bank = model.text_targets(self.bank_captions)
        self.heads = []
        plan: WorkBudget | None = None
        deadline, stopped = deadline_after(budget_s), "steps"
        for i in range(shadows):
            if plan is not None and i >= plan.units:
                break
            if plan is not None and past(deadline):
                stopped = "budget"
                break
            torch.manual_seed(i)
            chosen = torch.from_numpy(
                np.random.default_rng([seed, i]).permutation(2 * members)[:members]
            )
            head = copy.deepcopy(base.module("projection"))
            head.train()
            for p in head.parameters():
                p.requires_grad_(True)
            data = pool.subset(chosen)
            if plan is None:  # the first shadow measures what one costs
                plan = _plan_shadows(trainer, head, data, shadows, budget_flops, budget_s)
                torch.manual_seed(i)  # a counted copy may have drawn from it
            if budget_s is None or i > 0:  # the time rule trained the first one while timing it
                trainer.train_head(head, data)
            head.eval()
            self.heads.append(head)
        self.pretrained_tower: BlockTower = base.module("image_tower")
        # the pooled OUT spread, measured once on fresh scenes no shadow saw, so a sample's
        # score does not depend on the batch it arrives in
        calibration = MemberData(base, recipe, CALIBRATION, seed + 1)
        out = self.shadow_phi(calibration.features, calibration.captions)
        self.sd = max(float(np.sqrt(((out - out.mean(axis=0)) ** 2).mean())), MIN_SD)
        self.details = {
            "shadows": len(self.heads),
            "shadow_recipe": self.recipe.model_dump(mode="json"),
            "shadow_members": members,
            "shadow_seed": seed,
            "variance": f"pooled over {CALIBRATION} fresh scenes (fixed-variance offline LiRA)",
            "sd_out": round(self.sd, 4),
            "statistic": statistic,
            "score": "z = (phi_target - mean_out) / sd_out, phi = log p - log(1 - p)",
            **shadow_cut(plan, len(self.heads), stopped),
        }

    def phi(self, head: torch.nn.Module, features: torch.Tensor, captions: Sequence[str]) -> Any:
        """Logit-scaled confidence of each image in its own caption (see ``statistic``)."""
        own_text = self.model.text_targets(list(captions))
        with torch.no_grad():
            embedding = torch.nn.functional.normalize(head(features), dim=-1)
            cosine = (embedding * own_text).sum(dim=-1)
            if self.statistic == "cosine":
                # p = (1 + cos) / 2, the match read as a probability: phi = log((1+c)/(1-c))
                c = cosine.clamp(-1 + 1e-6, 1 - 1e-6)
                return (torch.log1p(c) - torch.log1p(-c)).numpy()
            scale = self.model.logit_scale()
            others = scale * embedding @ self.bank.T
            same = torch.tensor(
                [[c == b for b in self.bank_captions] for c in captions], dtype=torch.bool
            )
            rest = torch.logsumexp(others.masked_fill(same, -torch.inf), dim=-1)
        return (scale * cosine - rest).numpy()

    def scores(self, samples: Sequence[Sample]) -> tuple[np.ndarray, np.ndarray]:
        """Each sample's z (its membership score) and the target's phi."""
        captions = [str(s.labels["caption"]) for s in samples]
        tower: BlockTower = self.model.module("image_tower")
        pixels = self.model.to_pixels([s.load_image() for s in samples])
        with torch.no_grad():
            target_features = pooled_features(tower, pixels)
            base_features = pooled_features(self.pretrained_tower, pixels)
        target = self.phi(self.model.module("projection"), target_features, captions)
        mean = self.shadow_phi(base_features, captions).mean(axis=0)
        return (target - mean) / self.sd, target

    def shadow_phi(self, features: torch.Tensor, captions: Sequence[str]) -> np.ndarray:
        """phi of every image under every shadow, shape (shadows, images)."""
        return np.stack([self.phi(h, features, captions) for h in self.heads])


def _plan_shadows(
    trainer: Any,
    head: torch.nn.Module,
    data: Any,
    shadows: int,
    budget_flops: float,
    budget_s: float | None,
) -> WorkBudget:
    """How many of ``shadows`` fit the budget, at the cost of one: the FLOPs of training a copy
    of the first shadow's ``head`` (so the real shadow trains outside the counter's dispatch
    mode, exactly as before budgets), or with ``budget_s`` the seconds of training the first
    shadow itself."""
    if budget_s is None:
        probe = copy.deepcopy(head)
        cost = count_flops(partial(trainer.train_head, probe, data))
        return plan_units(what="shadows", cost_per_unit=cost, planned=shadows, budget=budget_flops)
    start = time.perf_counter()
    trainer.train_head(head, data)
    cost = time.perf_counter() - start
    return plan_units(
        what="shadows", cost_per_unit=cost, planned=shadows, budget=budget_s, rule="time"
    )


def shadow_cut(plan: WorkBudget | None, trained: int, stopped: str) -> dict[str, Any]:
    """``{"cut": ...}`` when fewer shadows were trained than asked (the runner prints the
    summary), else nothing: a full set of shadows keeps its rows as they were."""
    if plan is None or trained >= plan.planned:
        return {}
    unit = UNITS[plan.rule]
    text = (
        f"{plan.rule} budget: {plan.planned} shadow models ({plan.full_estimate:.3g} {unit}) "
        f"exceed {plan.budget:.3g} {unit}: {trained} trained"
        + (" (the deadline stopped the rest)" if stopped == "budget" else "")
    )
    return cut_record(
        summary=text,
        rule=plan.rule,
        budget=plan.budget,
        full_estimate=plan.full_estimate,
        cost_per_shadow=float(f"{plan.cost_per_unit:.4g}"),
        shadows_planned=plan.planned,
        shadows_trained=trained,
        steps_planned=plan.planned,
        steps_run=[trained],
        stopped={"steps": int(stopped == "steps"), "budget": int(stopped == "budget")},
        threads=torch.get_num_threads(),
    )
