"""Gradient inversion: rebuild a training image from the gradient one step of fine-tuning
would share (the risk of sending gradients in federated fine-tuning).

The victim computes the zero-shot cross-entropy gradient of every image-tower parameter on a
batch of one image with its label, the tower in eval mode (BatchNorm uses its running
statistics, so a batch of one is well defined). The attacker, holding the model, the gradient and
the label (as iDLG recovers it from the last layer), optimises a dummy image so its gradient
matches: loss = 1 - cosine(gradients) + ``tv`` x total variation (Geiping et al. 2020,
"Inverting Gradients") + ``feature_weight`` x the distance of the dummy's pooled feature to the
one the gradient gives away exactly (the input of a final linear layer with bias is its weight
gradient divided by its bias gradient: Phong et al. 2017, R-GAP). The image is a coarse
``resolution`` x ``resolution`` sigmoid grid upsampled to the input size (a smoothness prior),
optimised by Adam with the learning rate cut 10x at 3/8, 5/8 and 7/8 of ``steps``, starting from
seeded noise around the mean colour the first conv + BatchNorm gradients give away
(``leaked_mean_colour``; grey with ``init="noise"``); ``restarts`` seeded starts, the one with
the lowest gradient-matching loss kept (the attacker can compute that, not the error).
Reported: ``psnr`` (dB) and ``ssim`` of reconstruction vs original, each against
``psnr_baseline`` / ``ssim_baseline`` (a flat image of the original's mean colour: what knowing
nothing but the average gives: an oracle, since the gradient leaks that colour) and the paired
gain over it; ``psnr_prior`` / ``ssim_prior`` (the mean image of other world scenes: what the
attacker knows without the gradient) and the gain over that; the images (PNG, base64) in
``details["images"]``.

Budget (issue 27): one step on one image is counted once (FLOPs of the matching loss and its
backward, ``torch.utils.flop_counter``; seconds with ``budget_s``). When ``n`` x ``restarts`` x
``steps`` of it exceeds ``budget_flops`` (or ``budget_s``), restarts are cut first, then steps
(not below ``MIN_STEPS``), a start stops early once its matching loss stops falling, and with
``budget_s`` the B seconds cover the whole task, each image's fixed costs charged, and a start
ends when its share is spent (``inversion_deadline``); images the time left cannot give
``MIN_STEPS`` are not attacked. The cut is recorded in the rows' ``details["cut"]``. Every zoo
model's default plan fits, so it runs unchanged.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from pydantic import Field

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.core.threads import torch_threads
from vlmtrust.core.unit_progress import report_step
from vlmtrust.core.work_budget import (
    UNITS,
    EarlyStopParams,
    WorkBudget,
    count_flops,
    cut_record,
    deadline_after,
    now,
    past,
    plan_units,
    seconds_of,
)
from vlmtrust.data.source import Scenes
from vlmtrust.data.sources import reference_samples
from vlmtrust.data.world.vocabulary import COLOURS, SHAPES
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.declared import Declared, Stat, per_condition
from vlmtrust.metrics.image_quality import psnr, ssim
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.privacy.gradient_leaks import (
    first_layer,
    gradient_cosine_loss,
    last_linear,
    leaked_mean_colour,
    linear_input_from_gradient,
    logits_fn,
    total_variation,
    trainable_parameters,
)
from vlmtrust.tasks.privacy.inversion_deadline import TaskDeadline


class GradientInversionParams(EarlyStopParams):
    n: int = Field(default=4, ge=1, le=16, description="images attacked, one batch of 1 each")
    steps: int = Field(default=200, ge=2, description="optimisation steps per restart")
    lr: float = Field(default=0.02, gt=0, description="Adam learning rate on the sigmoid logits")
    lr_decay: bool = Field(
        default=True, description="cut the learning rate 10x at 3/8, 5/8 and 7/8 of the steps"
    )
    tv: float = Field(default=30.0, ge=0, description="total-variation prior weight")
    resolution: int = Field(
        default=16,
        ge=2,
        le=512,
        description="side of the optimised grid, upsampled bilinearly to the input size",
    )
    feature_weight: float = Field(
        default=1.0,
        ge=0,
        description="weight of matching the pooled feature the last linear layer's gradient "
        "reveals exactly (0 turns it off; ignored when the model has no such layer)",
    )
    init: Literal["leaked_colour", "noise"] = Field(
        default="leaked_colour",
        description="start from seeded noise around the mean colour the first conv + BatchNorm "
        "gradients give away, or around grey ('noise'; also the fallback without such a layer)",
    )
    restarts: int = Field(
        default=1, ge=1, le=16, description="seeded starts; the lowest matching loss is kept"
    )
    label: str = Field(default="shape", description="label whose classes the loss uses")
    prior_images: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="world scenes whose per-pixel mean is the no-gradient (prior) baseline",
    )
    seed: int = Field(
        default=0, description="seed of each restart's starting image (restart r: seed*1000+r)"
    )


#: fewest steps a cut start runs: the learning-rate schedule needs a few rounds
MIN_STEPS = 20
#: how the reason of an image ``budget_s`` left unattacked begins
NOT_ATTACKED = "not attacked"


#: the prior baseline's world scenes: a seed of their own, apart from the attacked scenes
PRIOR_SEED = 7_300_950


def _png64(pixels: torch.Tensor) -> str:
    array = (pixels.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


@dataclass(frozen=True)
class Inversion:
    image: torch.Tensor  # (1, 3, H, W) in [0, 1]
    history: list[float]  # matching loss (1 - cosine) per step of the kept start, then its result
    restart: int  # which seeded start was kept
    restart_losses: list[float]  # final matching loss of every restart
    feature_error: float | None  # relative error of the leaked pooled feature (None: unused)
    start_colour: list[float] | None  # the leaked mean colour started from (None: grey)
    budget: dict[str, Any] = field(default_factory=dict)  # the cut, when one was made
    cost_per_step: float = 0.0  # what one step was counted (FLOPs) or timed (s) to cost


@dataclass(frozen=True)
class NoTime:
    """What :func:`invert` gives when the ``budget_s`` time left affords this image no
    ``MIN_STEPS`` attack: the step's cost it measured, so no later image measures it again."""

    cost_per_step: float


@dataclass(frozen=True)
class StepPlan:
    """What one image's attack may run: ``steps`` x ``restarts``, stopping early (``patience``)
    or at ``share_s`` seconds per start when cut; ``cut`` is the plan of steps (None: full)."""

    steps: int
    restarts: int
    patience: int | None = None
    share_s: float | None = None
    cut: WorkBudget | None = None
    threads: int = 1
    #: the task's own deadline (``--budget-s``): it alone stops a start below ``MIN_STEPS``
    hard_deadline: float | None = None


def plan_steps(cost_per_step: float, p: GradientInversionParams, available: int = 1) -> StepPlan:
    """The full plan when ``n x restarts x steps`` fits the budget, else restarts cut first
    (a cut image keeps one start), then steps (to the per-start share, not below
    ``MIN_STEPS``); a cut plan stops early and takes every ``available`` thread. Each image
    gets ``budget / n``: a --limit below ``n`` leaves budget unspent, never exceeds it."""
    rule: Literal["work", "time"] = "work" if p.budget_s is None else "time"
    budget = p.budget_flops if p.budget_s is None else p.budget_s
    per_image = budget / p.n
    whole = plan_units(
        what="steps",
        cost_per_unit=cost_per_step,
        planned=p.n * p.restarts * p.steps,
        budget=budget,
        rule=rule,
    )
    if not whole.scaled:
        return StepPlan(p.steps, p.restarts)
    restarts = max(1, min(p.restarts, int(per_image / max(p.steps * cost_per_step, 1e-12))))
    steps = plan_units(
        what="steps",
        cost_per_unit=cost_per_step,
        planned=p.steps,
        budget=per_image / restarts,
        minimum=MIN_STEPS,
        rule=rule,
    )
    share = per_image / restarts if rule == "time" else None
    cut = replace(whole, units=p.n * restarts * steps.units)
    return StepPlan(steps.units, restarts, p.patience, share, cut, available)


def plan_timed(
    cost_per_step: float,
    p: GradientInversionParams,
    deadline: TaskDeadline,
    remaining: int,
    available: int = 1,
) -> StepPlan | None:
    """The time rule's plan for the image being attacked (its victim gradient computed), with
    ``remaining`` images left including it: the full plan when every remaining image's fixed
    cost and full steps fit the time left; else restarts cut first, then steps to this image's
    share (:meth:`TaskDeadline.share`, not below ``MIN_STEPS``); None when the time left gives
    this image no ``MIN_STEPS`` attack."""
    fixed = deadline.fixed_s or 0.0
    per_image_full = fixed + p.restarts * p.steps * cost_per_step
    whole = plan_units(
        what="steps",
        cost_per_unit=cost_per_step,
        planned=p.n * p.restarts * p.steps,
        budget=deadline.budget_s,
        rule="time",
    )
    whole = replace(whole, full_estimate=p.n * per_image_full, scaled=True)
    if remaining * per_image_full - fixed / 2 <= deadline.left():
        return StepPlan(p.steps, p.restarts)
    one_start = deadline.share(remaining, cost_per_step, 1)
    if one_start is None:
        return None
    restarts = max(1, min(p.restarts, int(one_start / max(p.steps * cost_per_step, 1e-12))))
    share = deadline.share(remaining, cost_per_step, restarts) or one_start / restarts
    steps = min(p.steps, max(deadline.minimum, int(share / max(cost_per_step, 1e-12))))
    cut = replace(whole, units=p.n * restarts * steps)
    return StepPlan(steps, restarts, p.patience, share, cut, available, deadline.deadline)


class _Attack:
    """The attacker's view of one shared gradient: what it matches and how."""

    def __init__(
        self,
        logits: Callable[[torch.Tensor], torch.Tensor],
        params: list[torch.nn.Parameter],
        linear: torch.nn.Linear | None,
        target: torch.Tensor,
        label: int,
        shared: Sequence[torch.Tensor] | None = None,
    ) -> None:
        self.logits, self.params, self.y = logits, params, torch.tensor([label])
        self.captured: list[torch.Tensor] = []
        self.hook = (
            linear.register_forward_hook(lambda _m, inp, _o: self.captured.append(inp[0]))
            if linear is not None
            else None
        )
        # only the parameters the loss depends on: a dual encoder's text tower (its label
        # embeddings computed once, without a graph) has no gradient to share or to match
        victim = self.grads(target, False, allow_unused=True)
        used = [i for i, g in enumerate(victim) if g is not None]
        self.params = [params[i] for i in used]
        self.shared = [victim[i].detach() for i in used]
        if shared is not None:  # what was sent instead (clipped and noised: client-level DP)
            self.shared = [shared[i].detach() for i in used]
        truth = self._pooled()
        self.feature: torch.Tensor | None = None
        if linear is not None and truth is not None:
            index = {id(p): i for i, p in enumerate(self.params)}
            if id(linear.weight) in index and id(linear.bias) in index:
                self.feature = linear_input_from_gradient(
                    self.shared[index[id(linear.weight)]], self.shared[index[id(linear.bias)]]
                )
        self.feature_error = (
            float((self.feature - truth[0]).norm() / truth[0].norm().clamp_min(1e-12))
            if self.feature is not None and truth is not None
            else None
        )

    def _pooled(self) -> torch.Tensor | None:
        """The last linear layer's input of the latest forward pass, if it was one vector."""
        found = self.captured[-1] if self.captured else None
        self.captured.clear()
        return found.detach() if found is not None and found.dim() == 2 else None

    def grads(
        self, x: torch.Tensor, create: bool, allow_unused: bool = False
    ) -> tuple[torch.Tensor, ...]:
        self.captured.clear()
        loss = F.cross_entropy(self.logits(x), self.y)
        return torch.autograd.grad(
            loss, self.params, create_graph=create, allow_unused=allow_unused
        )

    def losses(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(gradient-matching loss, feature-matching loss) of a dummy image."""
        match = gradient_cosine_loss(self.grads(x, True), self.shared)
        pooled = self.captured[-1] if self.captured else None
        self.captured.clear()
        if self.feature is None or pooled is None or pooled.dim() != 2:
            return match, torch.zeros(())
        feature = ((pooled[0] - self.feature) ** 2).sum() / (self.feature**2).sum()
        return match, feature

    def close(self) -> None:
        if self.hook is not None:
            self.hook.remove()


def _render(latent: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    x = torch.sigmoid(latent)
    if tuple(x.shape[-2:]) != size:
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    return x


def _one_start(
    attack: _Attack,
    shape: tuple[int, ...],
    seed: int,
    p: GradientInversionParams,
    colour: torch.Tensor | None,
    plan: StepPlan | None = None,
    where: str = "",
) -> tuple[torch.Tensor, list[float], str]:
    """One seeded start: its image, matching loss per step then its result, and how it ended
    (``steps``; a cut plan also ``converged`` or ``budget``: the deadline)."""
    plan = plan or StepPlan(p.steps, p.restarts)
    generator = torch.Generator().manual_seed(seed)
    grid = (shape[0], shape[1], p.resolution, p.resolution)
    centre = (
        torch.logit(colour.clamp(0.02, 0.98)).view(1, -1, 1, 1)
        if colour is not None
        else torch.zeros(())
    )
    latent = (centre + 0.1 * torch.randn(grid, generator=generator)).requires_grad_(True)
    optimiser = torch.optim.Adam([latent], lr=p.lr)
    milestones = [int(plan.steps * f) for f in (3 / 8, 5 / 8, 7 / 8)] if p.lr_decay else []
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimiser, milestones, 0.1)
    size = (shape[-2], shape[-1])
    history: list[float] = []
    deadline, stopped = deadline_after(plan.share_s), "steps"
    minimum = min(MIN_STEPS, plan.steps)
    best, since = float("inf"), 0
    for step in range(plan.steps):
        report_step(f"{where}step {step + 1}/{plan.steps}")
        optimiser.zero_grad()
        x = _render(latent, size)
        match, feature = attack.losses(x)
        loss = match + p.feature_weight * feature + p.tv * total_variation(x)
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        schedule.step()
        history.append(float(match.detach()))
        if past(plan.hard_deadline) or (step + 1 >= minimum and past(deadline)):
            stopped = "budget"
            break
        if plan.patience is not None:
            best, since = (history[-1], 0) if history[-1] < 0.99 * best else (best, since + 1)
            if since >= plan.patience:
                stopped = "converged"
                break
    image = _render(latent, size).detach()
    history.append(float(gradient_cosine_loss(attack.grads(image, False), attack.shared)))
    return image, history, stopped


def step_cost(attack: _Attack, shape: tuple[int, ...], p: GradientInversionParams) -> float:
    """One step on one image: counted FLOPs (the work rule), or measured seconds when
    ``budget_s`` is given (the time rule)."""
    leaf = torch.zeros((shape[0], shape[1], p.resolution, p.resolution), requires_grad=True)

    def step() -> None:
        # autograd.grad on a leaf is not supported under the counter: differentiate a copy
        latent = leaf * 1.0
        x = _render(latent, (shape[-2], shape[-1]))
        match, feature = attack.losses(x)
        loss = match + p.feature_weight * feature + p.tv * total_variation(x)
        torch.autograd.grad(loss, [latent])

    return count_flops(step) if p.budget_s is None else seconds_of(step)


def invert(
    logits: Callable[[torch.Tensor], torch.Tensor],
    params: list[torch.nn.Parameter],
    target: torch.Tensor,
    label: int,
    p: GradientInversionParams,
    linear: torch.nn.Linear | None = None,
    first: tuple[torch.nn.Conv2d, torch.nn.BatchNorm2d, float, float] | None = None,
    shared: Sequence[torch.Tensor] | None = None,
    available: int = 1,
    where: str = "",
    known_cost: float | None = None,
    deadline: TaskDeadline | None = None,
    remaining: int = 1,
) -> Inversion | NoTime:
    """The reconstruction of ``target`` (1, 3, H, W) from its parameter gradient; ``linear``
    the layer whose input leaks exactly, ``first`` the conv + BatchNorm (and the input's
    normalisation mean, std) whose gradients leak the mean colour; ``shared`` what the victim
    actually sent when it is not the plain gradient (a federated client's privatised update);
    the steps and restarts fit the budget (:func:`plan_steps`), a cut plan on ``available``
    threads; each step is reported to the scan's progress display, after ``where``. A step's
    cost is counted (or timed) unless ``known_cost`` gives it: images of one size cost the same,
    and on a real-size model measuring it again takes one to two steps an image. Under
    ``budget_s`` the task's ``deadline`` plans the steps (:func:`plan_timed`, ``remaining``
    images left including this one; the first image's victim gradient, timed, is half its
    fixed cost, the final loss the other half); ``NoTime``: the time left affords no attack."""
    linear = linear if p.feature_weight > 0 else None
    started = now()
    attack = _Attack(logits, params, linear, target, label, shared)
    if deadline is not None and deadline.fixed_s is None:
        deadline.fixed_s = 2 * (now() - started)
    colour = None
    index = {id(q): i for i, q in enumerate(attack.params)}
    if p.init == "leaked_colour" and first is not None:
        conv, bn, mean, std = first
        if id(conv.weight) in index and id(bn.bias) in index:
            colour = leaked_mean_colour(
                attack.shared[index[id(conv.weight)]],
                bn,
                attack.shared[index[id(bn.bias)]],
                mean,
                std,
            )
    try:
        cost = known_cost if known_cost is not None else step_cost(attack, tuple(target.shape), p)
        timed = None if deadline is None else plan_timed(cost, p, deadline, remaining, available)
        if deadline is not None and timed is None:
            return NoTime(cost)
        plan = timed or plan_steps(cost, p, available)
        with torch_threads(plan.threads):
            runs = [
                _one_start(
                    attack,
                    tuple(target.shape),
                    p.seed * 1000 + r,
                    p,
                    colour,
                    plan,
                    f"{where}restart {r + 1}/{plan.restarts} " if plan.restarts > 1 else where,
                )
                for r in range(plan.restarts)
            ]
    finally:
        attack.close()
    finals = [history[-1] for _, history, _ in runs]
    best = int(np.argmin(finals))
    start = [float(v) for v in colour] if colour is not None else None
    budget = (
        {
            **plan.cut.record(),
            "steps": plan.steps,
            "restarts": plan.restarts,
            "steps_run": [len(history) - 1 for _, history, _ in runs],
            "stopped": [why for _, _, why in runs],
            "threads": plan.threads,
            **({"fixed_s": deadline.fixed_s} if deadline is not None else {}),
        }
        if plan.cut is not None
        else {}
    )
    image, history = runs[best][0], runs[best][1]
    return Inversion(image, history, best, finals, attack.feature_error, start, budget, cost)


class GradientInversion(Task):
    Params = GradientInversionParams
    params: GradientInversionParams
    requires = ("Differentiable",)
    #: the zoo tower's own modules and text encoder, read directly where the model has them;
    #: ``second_order``: what an hf: model switches to for a double backward (eager attention)
    hooks = ("tower", "scale", "text", "second_order")
    selection_params = frozenset({"n"})

    def samples(self, ctx: DataContext) -> list[Sample]:
        """The first ``n`` of the run's source's object scenes, at most --limit of them."""
        n = ctx.cap(self.params.n)
        return ctx.samples(Scenes(n=n, family="objects"))[:n]

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        available = torch.get_num_threads()
        self._cost: dict[tuple[int, ...], float] = {}  # a step's cost by image shape
        p = self.params
        self._deadline = (
            None
            if p.budget_s is None
            else TaskDeadline.start(p.budget_s, len(samples), min(MIN_STEPS, p.steps))
        )
        classes = {"shape": SHAPES, "colour": COLOURS}.get(self.params.label)
        priors = self._priors(model, samples)
        out = []
        for k, (sample, prior) in enumerate(zip(samples, priors, strict=True)):
            truth = sample.labels.get(self.params.label)
            if sample.image is None or classes is None or truth not in classes:
                reason = f"needs an image and a {self.params.label!r} label among world classes"
                out.append([Score.cannot_score(sample.id, "psnr", reason)])
                continue
            label = list(classes).index(truth)
            where = f"image {k + 1}/{len(samples)} "
            attacked = self._attack(
                model, sample, list(classes), label, prior, available, where, len(samples) - k
            )
            out.append(attacked or self._not_attacked(sample))
        return out

    def _not_attacked(self, sample: Sample) -> list[Score]:
        """The rows of an image the ``budget_s`` deadline left no ``MIN_STEPS`` attack."""
        deadline = self._deadline
        assert deadline is not None  # only the time rule leaves images out
        costs = list(self._cost.values())
        needed = f"; about {deadline.needed_s(costs[0]):.0f} s attack every image" if costs else ""
        reason = (
            f"{NOT_ATTACKED}: --budget-s {deadline.budget_s:g} s was spent before a "
            f"{deadline.minimum}-step attack of this image{needed}"
        )
        return [Score.cannot_score(sample.id, "psnr", reason)]

    def _priors(self, model: Any, samples: Sequence[Sample]) -> list[torch.Tensor | None]:
        """Per sample, the per-pixel mean image an attacker knows without any gradient: over
        ``prior_images`` world scenes of a seed of their own when the samples are world scenes,
        else over the other attacked images (leave one out; None for a single image)."""
        if all((s.source or "").startswith("world:") for s in samples):
            request = Scenes(n=self.params.prior_images, seed=PRIOR_SEED, family="objects")
            scenes = reference_samples(request)
            mean: torch.Tensor = model.to_pixels([s.load_image() for s in scenes]).mean(0)
            return [mean] * len(samples)
        images = [s for s in samples if s.image is not None]
        if len(images) < 2:
            return [None] * len(samples)
        pixels = model.to_pixels([s.load_image() for s in images])
        total, by_id = pixels.sum(0), {s.id: i for i, s in enumerate(images)}
        return [
            (total - pixels[by_id[s.id]]) / (len(images) - 1) if s.id in by_id else None
            for s in samples
        ]

    def _attack(
        self,
        model: Any,
        sample: Sample,
        classes: list[str],
        label: int,
        prior: torch.Tensor | None,
        available: int = 1,
        where: str = "",
        remaining: int = 1,
    ) -> list[Score] | None:
        """The image's rows; None where the ``budget_s`` deadline leaves it no attack."""
        torch.manual_seed(self.params.seed)
        target = model.to_pixels([sample.load_image()])
        known = self._cost.get(tuple(target.shape))
        if self._deadline is not None and not self._deadline.can_start(known):
            return None
        params = trainable_parameters(model)
        frozen = [p.requires_grad for p in params]
        try:
            for p in params:
                p.requires_grad_(True)
            # a batch of one: extra threads only contend on a busy machine (a cut plan, on a
            # model large enough to need it, takes the ``available`` threads)
            with torch.enable_grad(), torch_threads(1), _second_order(model):
                result = invert(
                    logits_fn(model, classes),
                    params,
                    target,
                    label,
                    self.params,
                    last_linear(model),
                    first_layer(model),
                    available=available,
                    where=where,
                    known_cost=self._cost.get(tuple(target.shape)),
                    deadline=self._deadline,
                    remaining=remaining,
                )
                self._cost[tuple(target.shape)] = result.cost_per_step
        finally:
            for p, was in zip(params, frozen, strict=True):
                p.requires_grad_(was)
                p.grad = None
        if isinstance(result, NoTime):
            return None
        original, rebuilt = target[0], result.image[0]
        flat = original.mean(dim=(1, 2), keepdim=True).expand_as(original)
        details = {
            "psnr_baseline": psnr(flat, original),
            "ssim_baseline": ssim(flat, original),
            "psnr_prior": psnr(prior, original) if prior is not None else None,
            "ssim_prior": ssim(prior, original) if prior is not None else None,
            "match_loss_first": result.history[0],
            "match_loss_last": result.history[-1],
            "restart": result.restart,
            "restart_match_losses": result.restart_losses,
            "feature_recovery_error": result.feature_error,
            "start_colour": result.start_colour,
            "start_colour_error": (
                float((torch.tensor(result.start_colour) - original.mean(dim=(1, 2))).abs().max())
                if result.start_colour is not None
                else None
            ),
            "images": {"original": _png64(original), "reconstruction": _png64(rebuilt)},
            **({"budget": result.budget} if result.budget else {}),
        }
        return [
            Score(
                sample_id=sample.id, metric="psnr", value=psnr(rebuilt, original), details=details
            ),
            Score(sample_id=sample.id, metric="ssim", value=ssim(rebuilt, original), details={}),
        ]

    def declared_metrics(self) -> tuple[Declared, ...]:
        """``psnr`` and ``ssim`` (means, bootstrap interval), their flat-image baselines and the
        paired gains over them (``*_gain``: > 0 with the interval above 0 is leakage beyond the
        mean colour); the first sample's original and reconstruction in ``details["images"]``."""
        return (per_condition(self._reconstructions, unscorable=None),)

    def _reconstructions(self, scores: Sequence[Score]) -> dict[str, Stat]:
        psnrs = [s for s in scores if s.metric == "psnr" and not s.unscorable]
        ssims = {s.sample_id: s for s in scores if s.metric == "ssim" and not s.unscorable}
        paired = [(s, ssims[s.sample_id]) for s in psnrs if s.sample_id in ssims]
        with_prior = [(a, b) for a, b in paired if a.details.get("psnr_prior") is not None]

        def measured(pairs: list[tuple[Score, Score]]) -> dict[str, list[float]]:
            return {
                "psnr": [float(a.value or 0) for a, _ in pairs],
                "ssim": [float(b.value or 0) for _, b in pairs],
            }

        values = measured(paired)
        for m, against_prior in measured(with_prior).items():
            base = [float(a.details[f"{m}_baseline"]) for a, _ in paired]
            prior = [float(a.details[f"{m}_prior"]) for a, _ in with_prior]
            values |= {
                f"{m}_baseline": base,
                f"{m}_gain": [v - b for v, b in zip(values[m], base, strict=True)],
                f"{m}_prior": prior,
                f"{m}_gain_prior": [v - q for v, q in zip(against_prior, prior, strict=True)],
            }
        summary = {
            "images": psnrs[0].details["images"] if psnrs else {},
            "steps": self.params.steps,
            "restarts": self.params.restarts,
            "resolution": self.params.resolution,
            "match_loss_first_last": [
                [a.details["match_loss_first"], a.details["match_loss_last"]] for a, _ in paired
            ],
            "restart_kept": [a.details["restart"] for a, _ in paired],
            "feature_recovery_error": [a.details["feature_recovery_error"] for a, _ in paired],
            "init": self.params.init,
            "start_colour_error": [a.details["start_colour_error"] for a, _ in paired],
            **cut_summary([a for a, _ in paired], _not_attacked(scores), self.params.budget_s),
        }
        return {
            metric: (mean_estimate(vals), summary if metric == "psnr" else {})
            for metric, vals in values.items()
        }


def _second_order(model: Any) -> AbstractContextManager[object]:
    """The model's own switch to layers a double backward runs through (an hf: CLIP's eager
    attention), else nothing to switch."""
    switch = getattr(model, "second_order", None)
    return switch() if callable(switch) else nullcontext()


def _not_attacked(scores: Sequence[Score]) -> int:
    """Images the ``budget_s`` deadline left unattacked (``GradientInversion._not_attacked``)."""
    return sum(
        s.metric == "psnr" and s.unscorable and (s.reason or "").startswith(NOT_ATTACKED)
        for s in scores
    )


def cut_summary(
    scores: Sequence[Score], not_attacked: int = 0, budget_s: float | None = None
) -> dict[str, Any]:
    """``{"cut": ...}`` when any image's attack was cut to fit its budget, or ``not_attacked``
    images were left out by the ``budget_s`` deadline (the runner prints the summary), else
    nothing: a full attack's rows stay as they were."""
    cuts = [s.details["budget"] for s in scores if isinstance(s.details.get("budget"), dict)]
    left_out = (
        f"; {not_attacked} images not attacked (the time left had no {MIN_STEPS}-step attack)"
    )
    if not cuts:
        if not not_attacked:
            return {}
        text = f"time budget: {budget_s:g} s" + left_out.replace(";", ":", 1)
        return cut_record(
            summary=text,
            rule="time",
            budget=budget_s or 0.0,
            full_estimate=0.0,
            images_cut=0,
            not_attacked=not_attacked,
            steps_planned=0,
            steps_run=[],
            stopped={"steps": 0, "converged": 0, "budget": 0},
            threads=1,
        )
    steps_run = [int(n) for c in cuts for n in c["steps_run"]]
    ends = [str(why) for c in cuts for why in c["stopped"]]
    stopped = {why: ends.count(why) for why in ("steps", "converged", "budget")}
    rule, budget, estimate = (
        str(cuts[0]["rule"]),
        float(cuts[0]["budget"]),
        float(cuts[0]["full_estimate"]),
    )
    unit = UNITS[rule]
    steps, restarts = max(int(c["steps"]) for c in cuts), max(int(c["restarts"]) for c in cuts)
    text = (
        f"{rule} budget: the full attack ({estimate:.3g} {unit}) exceeds {budget:.3g} {unit}: "
        f"{len(cuts)} images cut to {restarts} restart(s) x at most {steps} steps "
        f"(ran {min(steps_run)}-{max(steps_run)}; {stopped['converged']} converged early, "
        f"{stopped['budget']} stopped by the deadline)" + (left_out if not_attacked else "")
    )
    return cut_record(
        summary=text,
        rule=rule,
        budget=budget,
        full_estimate=estimate,
        cost_per_step=float(cuts[0]["cost_per_unit"]),
        images_cut=len(cuts),
        **({"not_attacked": not_attacked} if not_attacked else {}),
        **({"fixed_s": float(f"{cuts[0]['fixed_s']:.4g}")} if "fixed_s" in cuts[0] else {}),
        restarts=restarts,
        steps_planned=steps,
        steps_run=steps_run,
        stopped=stopped,
        threads=max(int(c["threads"]) for c in cuts),
    )
