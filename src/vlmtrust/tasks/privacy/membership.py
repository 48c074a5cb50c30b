"""Membership inference: can an attacker tell a model's training images from fresh ones?

A confidence-threshold attack (Yeom et al. 2018 style): the membership score of an image is the
cosine between its image embedding and its caption's text embedding; training members should
score higher if the model overfit them. Reported: ``auc`` (stratified bootstrap 95% interval),
``tpr@1%fpr`` and ``tpr@0.1%fpr`` (the low-FPR regime Carlini et al. 2022 argue matters; with
n non-members an FPR below 1/n cannot be resolved, said in details), ROC points in
``details["curve"]`` (``x`` = FPR, ``y`` = TPR).

Members without ``--data`` are the first ``n`` images of a zoo organism's training pool,
regenerated exactly from the recipe in its model card (``build_pool`` is sequential in its seed,
so a shorter pool is a prefix of the full one); non-members are drawn the same way from a fresh
seed. With ``member_seed`` the members are instead the ``n`` scenes of that seed: the member set
of a fine-tuned target (``--mitigate overfit`` / ``dp_finetune``, whose card is checked to match).
With ``--data``, a boolean ``member`` label marks members and ``caption`` holds the text.

Utility beside the leak: ``accuracy_member`` / ``accuracy_nonmember`` (Wilson), the share of
images whose own caption is the nearest of the scan's distinct captions (zero-shot retrieval).
A fine-tuned target's card fields (epsilon, delta, noise, held-out accuracy before/after) are in
``details["training"]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Literal

import numpy as np
from pydantic import Field

from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.core.work_budget import BudgetParams
from vlmtrust.data.source import MembershipPool
from vlmtrust.metrics.declared import Declared, Stat, per_condition
from vlmtrust.metrics.detection import auroc_estimate, resampled_sides, stratified_bootstrap
from vlmtrust.metrics.power import AUROC_PER_SIDE, AUROC_WHY
from vlmtrust.metrics.rates import Estimate, rate
from vlmtrust.models.base import training_pool
from vlmtrust.tasks.base import DataContext, GroupMinimum, Task
from vlmtrust.tasks.privacy import lira
from vlmtrust.tasks.privacy.lira import SHADOW_SEED

METRIC = "membership_score"
LIRA = "lira_score"
ACCURACY = "caption_correct"
#: the ``member`` label values that mark a training member (anything else: a non-member)
MEMBER_VALUES = (True, 1, "true", "True", "1")
#: fine-tune card fields reported with the rows (privacy budget and utility)
TRAINING_FIELDS = (
    "mitigation",
    "members",
    "member_seed",
    "private",
    "epsilon",
    "delta",
    "noise_multiplier",
    "max_grad_norm",
    "lam",
    "adversary_steps",
    "adversary_final_loss",
    "held_out_accuracy_before",
    "held_out_accuracy_after",
    "member_data",
    "member_accuracy_before",
    "member_accuracy",
)
FPRS = (0.01, 0.001)


class MembershipParams(BudgetParams):
    organism: str = Field(default="clip", description="zoo organism whose training pool to use")
    n: int = Field(default=300, ge=10, description="members and as many non-members")
    nonmember_seed: int = Field(default=1_000_003, description="seed of the fresh scenes")
    member_seed: int | None = Field(
        default=None,
        description="members are the n scenes of this seed (a fine-tune's member set, e.g. "
        "--mitigate overfit) instead of the organism's training pool",
    )
    resamples: int = Field(default=1000, ge=100, description="bootstrap resamples")
    shadows: int = Field(
        default=8, ge=0, description="LiRA (offline) shadow fine-tunes; 0 skips LiRA"
    )
    shadow_seed: int = Field(default=SHADOW_SEED, description="seed of the shadows' scene pool")
    lira_statistic: Literal["cosine", "softmax"] = Field(
        default="cosine", description="LiRA's confidence: image-caption match or caption softmax"
    )


class Membership(Task):
    Params = MembershipParams
    params: MembershipParams
    requires = ("Embedder",)
    #: the model card's member set, and LiRA's shadow models where the model is Tunable
    hooks = ("card", "handle", "Tunable", "pretrained")
    selection_params = frozenset({"n", "nonmember_seed", "resamples", "organism", "member_seed"})

    def minimum_per_group(self) -> tuple[GroupMinimum, ...]:
        """The attacks' AUC and TPRs separate members from non-members."""
        rows = ("auc", "tpr@*")  # the threshold attack's and LiRA's (attack="lira")
        return (GroupMinimum(AUROC_PER_SIDE, "side", AUROC_WHY, rows=rows, group_of=_side),)

    def samples(self, ctx: DataContext) -> list[Sample]:
        """Members then non-members of the organism's pool from the run's source (a user's
        dataset answers with its own samples, labelled ``member`` and ``caption``)."""
        request = MembershipPool(
            organism=self.params.organism,
            recipe=training_pool(f"zoo:{self.params.organism}"),
            n=ctx.cap(self.params.n),
            member_seed=self.params.member_seed,
            nonmember_seed=self.params.nonmember_seed,
        )
        return ctx.samples(request)

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        kept = [
            s
            for s in samples
            if s.image is not None and "member" in s.labels and s.labels.get("caption")
        ]
        training = self.check_member_set(model, kept)
        row = {s.id: i for i, s in enumerate(kept)}
        cosines, correct = np.zeros(0), np.zeros(0, dtype=bool)
        if kept:
            images = np.asarray(model.encode_image([s.load_image() for s in kept]), dtype=float)
            texts = np.asarray(
                model.encode_text([str(s.labels["caption"]) for s in kept]), dtype=float
            )
            images /= np.linalg.norm(images, axis=1, keepdims=True)
            texts /= np.linalg.norm(texts, axis=1, keepdims=True)
            cosines = (images * texts).sum(axis=1)
            correct = caption_retrieval(model, images, [str(s.labels["caption"]) for s in kept])
        likelihood = self.lira_scores(model, kept)
        out = []
        for s in samples:
            if s.id not in row:
                out.append(
                    [
                        Score.cannot_score(
                            s.id, METRIC, "needs an image, a caption and a member label"
                        )
                    ]
                )
                continue
            member = s.labels["member"] in MEMBER_VALUES
            label = "member" if member else "nonmember"
            out.append(
                [
                    Score(
                        sample_id=s.id,
                        metric=METRIC,
                        value=float(cosines[row[s.id]]),
                        label=label,
                        details={"training": training} if training else {},
                    ),
                    Score(
                        sample_id=s.id,
                        metric=ACCURACY,
                        value=float(correct[row[s.id]]),
                        label=label,
                    ),
                    *likelihood(s.id, row[s.id], label),
                ]
            )
        return out

    def lira_scores(self, model: Any, kept: Sequence[Sample]) -> Any:
        """LiRA's per-sample scores as a function (sample id, row, label) -> [Score]."""
        if not self.params.shadows:
            return lambda sid, i, label: []
        if not lira.supports(model):
            reason = "LiRA's shadow fine-tunes need a zoo CLIP organism"
            return lambda sid, i, label: [Score.cannot_score(sid, LIRA, reason)]
        name = model.handle.name
        organism = name.removeprefix("zoo:") if name.startswith("zoo:") else "clip"
        attack = lira.shadows_for(
            model,
            organism,
            self.params.shadows,
            self.params.shadow_seed,
            self.params.lira_statistic,
            self.params.budget_flops,
            self.params.budget_s,
        )
        z, phi = attack.scores(kept) if kept else (np.zeros(0), np.zeros(0))

        def scores(sid: str, i: int, label: str) -> list[Score]:
            details = {"phi": round(float(phi[i]), 4), "lira": attack.details}
            return [
                Score(sample_id=sid, metric=LIRA, value=float(z[i]), label=label, details=details)
            ]

        return scores

    def check_member_set(self, model: Any, kept: Sequence[Sample]) -> dict[str, Any]:
        """A fine-tuned target's card names its member set; scanning it against another set
        would measure nothing, so that is refused. Returns the card fields to report."""
        card = getattr(model, "card", None)
        if not isinstance(card, Mapping) or "mitigation" not in card:
            return {}
        if "member_seed" not in card:  # a user model's fine-tune: its members are user data
            return {k: card[k] for k in TRAINING_FIELDS if k in card}
        # members are a prefix of the seed's scenes, so a smaller n is still all members
        beyond = [
            s for s in kept if s.labels.get("member") is True and _index(s) >= card["members"]
        ]
        if self.params.member_seed != card["member_seed"] or beyond:
            seed = self.params.member_seed
            scanned = "the training pool" if seed is None else f"scenes of seed {seed}"
            raise DataError(
                f"the model was fine-tuned on {card['members']} scenes of seed "
                f"{card['member_seed']}, the scan's members are {scanned}",
                f"scan with privacy.membership:member_seed={card['member_seed']},"
                f"n={card['members']}",
            )
        return {k: card[k] for k in TRAINING_FIELDS if k in card}

    def declared_metrics(self) -> tuple[Declared, ...]:
        """The threshold attack's rows per condition, LiRA's under ``attack=lira``."""
        return (
            per_condition(partial(self._attack, score_metric=METRIC), unscorable=None),
            per_condition(partial(self._attack, score_metric=LIRA), unscorable=None, attack="lira"),
        )

    def _attack(self, scores: Sequence[Score], score_metric: str) -> dict[str, Stat]:
        """AUC and TPR at low FPR of one attack's scores (members positive), all with the ROC
        curve; the threshold attack's also with the caption retrieval utility."""
        scored = [s for s in scores if s.metric == score_metric and not s.unscorable]
        if score_metric == LIRA and not scored:
            return {}
        cosines = [s for s in scores if s.metric == METRIC and not s.unscorable]
        training = next((s.details["training"] for s in cosines if s.details), None)
        members = np.array([s.value for s in scored if s.label == "member"], dtype=float)
        others = np.array([s.value for s in scored if s.label == "nonmember"], dtype=float)
        details: dict[str, Any] = {
            "members": len(members),
            "nonmembers": len(others),
            "curve": roc_points(members, others),
            "min_resolvable_fpr": 1 / len(others) if len(others) else None,
        }
        if score_metric == LIRA:
            details |= scored[0].details["lira"]
        else:
            details["score"] = "cosine(image embedding, caption embedding)"
        if training:
            details["training"] = training
        estimates = attack_estimates(members, others, self.params.resamples)
        for label in ("member", "nonmember") if score_metric == METRIC else ():
            estimates[f"accuracy_{label}"] = rate(
                [s for s in scores if s.metric == ACCURACY and s.label == label]
            )
        return {metric: (estimate, details) for metric, estimate in estimates.items()}


def _index(sample: Sample) -> int:
    """Position of a zoo-pool sample in its pool (from ``zoo-pool:ORGANISM:TAG:I``); -1 for a
    sample from elsewhere."""
    source = sample.source or ""
    tail = source.rpartition(":")[2]
    return int(tail) if source.startswith("zoo-pool:") and tail.isdigit() else -1


def _side(sample: Sample) -> str | None:
    """Which side of the attack a sample is on, read as ``score`` reads it."""
    if "member" not in sample.labels:
        return None
    return "member" if sample.labels["member"] in MEMBER_VALUES else "nonmember"


def caption_retrieval(model: Any, images: np.ndarray, captions: list[str]) -> np.ndarray:
    """Zero-shot utility: is each image's own caption the nearest of the distinct captions?"""
    distinct = sorted(set(captions))
    bank = np.asarray(model.encode_text(distinct), dtype=float)
    bank /= np.linalg.norm(bank, axis=1, keepdims=True)
    guess = (images @ bank.T).argmax(axis=1)
    return np.array([distinct[g] == c for g, c in zip(guess, captions, strict=True)])


def attack_estimates(
    members: np.ndarray, others: np.ndarray, resamples: int
) -> dict[str, Estimate]:
    """AUC and TPR at each of ``FPRS``, with bootstrap intervals: every attack's headline."""
    estimates = {"auc": auroc_estimate(members, others, resamples)}
    for fpr in FPRS:
        estimates[f"tpr@{fpr * 100:g}%fpr"] = tpr_at_fpr_estimate(members, others, fpr, resamples)
    return estimates


def tpr_at_fpr(members: np.ndarray, others: np.ndarray, fpr: float) -> float:
    """Share of members scoring above the threshold that lets at most ``fpr`` of non-members
    through (the strict upper quantile: with n non-members, at most floor(fpr * n) pass; the
    rounding guard stops float noise (0.29 * 100 = 28.999999999999996) from letting one fewer
    through, as ``metrics.detection`` guards its kept count)."""
    allowed = math.floor(round(fpr * len(others), 9))
    ranked = np.sort(others)[::-1]
    threshold = ranked[allowed] if allowed < len(ranked) else -np.inf
    return float((members > threshold).mean())


def tpr_at_fpr_estimate(
    members: np.ndarray, others: np.ndarray, fpr: float, resamples: int
) -> Estimate:
    if len(members) == 0 or len(others) == 0:
        return Estimate(None, None, None, len(members) + len(others))

    def rows(boot_in: np.ndarray, boot_out: np.ndarray) -> np.ndarray:
        return np.array([tpr_at_fpr(a, b, fpr) for a, b in zip(boot_in, boot_out, strict=True)])

    low, high = stratified_bootstrap(members, others, rows, resamples)
    value = tpr_at_fpr(members, others, fpr)
    n = len(members) + len(others)
    return Estimate(value, low, high, n, resampled=resampled_sides(members, others))


def roc_points(
    members: np.ndarray, others: np.ndarray, points: int = 101
) -> dict[str, list[float]]:
    """The ROC curve (members positive) at up to ``points`` FPR values, for the report."""
    if len(members) == 0 or len(others) == 0:
        return {"x": [], "y": []}
    from sklearn.metrics import roc_curve

    labels = np.r_[np.ones(len(members)), np.zeros(len(others))]
    fpr, tpr, _ = roc_curve(labels, np.r_[members, others])
    grid = np.linspace(0, 1, points)
    return {"x": grid.round(4).tolist(), "y": np.interp(grid, fpr, tpr).round(4).tolist()}
