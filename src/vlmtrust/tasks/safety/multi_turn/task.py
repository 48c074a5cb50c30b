"""``safety.multi_turn``: adaptive attacks an attacker writes from the target's answers.

``method=pair`` (PAIR: ``streams`` chains of rewrites, ``iterations`` each, every query a fresh
single-turn conversation), ``method=tap`` (TAP: a tree, each kept node branching into
``branching`` rewrites, pruned to ``width`` by the judge, ``iterations`` levels deep) and
``method=crescendo`` (one conversation, ``max_turns`` user turns: benign ones on the request's
topic first, the request last; a refused turn is dropped and the step retried with the next
escalation). ``budget`` caps the target queries per probe. The attacker is ``scripted``
(templates, deterministic from ``seed``) or any Generator spec, whose fingerprint is pinned into
the spec at planning like red_team's transfer model. ``render=image`` renders each request the
attacker writes into the image, the text asking to follow it.

Like ``safety.red_team``, the whole campaign is one Sample, so the runner caches it and the same
seed gives the same rows. Rows (``attack="none"``): ``success_rate`` (probes broken within the
budget, Wilson interval over the probes with at least one decided answer, the others counted in
``n_unscorable``), ``turns_to_success`` (mean over broken probes, bootstrap interval),
``queries_spent`` (mean per probe, bootstrap interval); ``details["trajectories"]``: per probe
the successful (or last) branch as user/assistant texts, no image bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import Field

from vlmtrust.core.capabilities import check_capabilities
from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Spec
from vlmtrust.data.probes import load_probes
from vlmtrust.metrics.calibration import mean_estimate
from vlmtrust.metrics.declared import Row, per_condition
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.models.base import ModelHandle, resolve_model
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.safety.multi_turn.attackers import (
    PROMPT_VERSION,
    Attacker,
    ModelAttacker,
    ScriptedAttacker,
    Turn,
)
from vlmtrust.tasks.safety.multi_turn.search import Outcome, Target, crescendo, pair, tap
from vlmtrust.tasks.safety.probing import ProbeParams, probe_request

SCRIPTED = "scripted"


class MultiTurnParams(ProbeParams):
    sets: tuple[str, ...] = Field(default=("paraphrase",), description="probe sets attacked")
    method: Literal["pair", "tap", "crescendo"] = Field(
        default="pair", description="pair | tap | crescendo"
    )
    attacker: str = Field(
        default=SCRIPTED, description="'scripted' or a Generator model spec writing the attacks"
    )
    budget: int = Field(default=12, ge=1, description="target queries per probe")
    streams: int = Field(default=3, ge=1, description="pair: independent rewrite chains")
    iterations: int = Field(default=4, ge=1, description="pair: rewrites per stream; tap: depth")
    width: int = Field(default=2, ge=1, description="tap: nodes kept per level")
    branching: int = Field(default=3, ge=1, description="tap: rewrites per kept node")
    max_turns: int = Field(default=4, ge=2, description="crescendo: user turns, the last asks")
    render: Literal["text", "image"] = Field(
        default="text", description="image: the attacker's request rendered into the image"
    )
    seed: int = Field(default=0, description="seed of the scripted attacker and attacker model")
    attacker_fingerprint: str = Field(
        default="", description="pinned at planning from attacker; leave it empty"
    )


def _campaigns(scores: Sequence[Score]) -> Iterator[Row]:
    for score in scores:
        outcomes: list[dict[str, Any]] = score.details["outcomes"]
        judged = [o for o in outcomes if o["judged"]]
        broken = [o for o in judged if o["turns_to_success"] is not None]
        n = len(judged)
        low, high = wilson(len(broken), n) if n else (None, None)
        shared = {k: v for k, v in score.details.items() if k != "outcomes"}
        yield (
            "success_rate",
            Estimate(len(broken) / n if n else None, low, high, n),
            {
                **shared,
                "n_unscorable": len(outcomes) - n,
                "attacker_failures": sum(o["attacker_failures"] for o in outcomes),
                "backtracks": sum(len(o.get("backtracks", ())) for o in outcomes),
                "trajectories": {o["probe"]: o["trajectory"] for o in outcomes},
                "broken": sorted(o["probe"] for o in broken),
            },
        )
        turns = mean_estimate([o["turns_to_success"] for o in broken], unit="broken probes")
        yield "turns_to_success", turns, {"method": shared["method"]}
        spent = mean_estimate([o["queries"] for o in outcomes], unit="probes")
        yield "queries_spent", spent, {"method": shared["method"], "budget": shared["budget"]}


class MultiTurn(Task):
    Params = MultiTurnParams
    params: MultiTurnParams
    requires = ("Generator",)
    hooks = ("chat",)  # chat_with probes for it: conversations go to the model's own chat call
    #: minutes per scan (1:47-3:04 on zoo:assistant at load 6-8): run when named, not by
    #: ``--suite safety`` (its cost and the safety goldens stay as they were)
    in_pillar_suite = False
    metrics = (per_condition(_campaigns, unscorable=None),)

    def samples(self, ctx: DataContext) -> list[Sample]:
        probes = ctx.reference(probe_request(self.params, True, self.spec.name, ctx.limit))
        ids = ",".join(p.id for p in probes)
        return [Sample(id="campaign", labels={"probes": ids}, source="multi_turn")]

    def resolve(self, samples: Sequence[Sample]) -> Task:
        """Check an attacker model now (one-line errors before a run) and pin its fingerprint
        and the attacker prompts' version into the spec, so both are part of the cache key."""
        if self.params.attacker == SCRIPTED:
            return self
        pinned = f"{attacker_handle(self.params.attacker).fingerprint}/{PROMPT_VERSION}"
        return type(self)(
            Spec(name=self.spec.name, params={**self.spec.params, "attacker_fingerprint": pinned})
        )

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        return [[self._campaign(model, s)] for s in samples]

    def _attacker(self) -> Attacker:
        if self.params.attacker == SCRIPTED:
            return ScriptedAttacker(self.params.seed)
        return ModelAttacker(load_attacker(self.params.attacker), self.params.seed)

    def _campaign(self, model: Any, campaign: Sample) -> Score:
        wanted = str(campaign.labels["probes"]).split(",")
        by_id = {p.id: p.to_sample() for p in load_probes(self.params.probes)}
        probes = [by_id[i] for i in wanted]
        p = self.params
        target, attacker = Target(model, p.render), self._attacker()
        if p.method == "pair":
            outcomes = pair(target, attacker, probes, p.streams, p.iterations, p.budget)
        elif p.method == "tap":
            outcomes = tap(target, attacker, probes, p.width, p.branching, p.iterations, p.budget)
        else:
            outcomes = crescendo(target, attacker, probes, p.max_turns, p.budget)
        return Score(
            sample_id=campaign.id,
            metric="broken",
            value=float(sum(o.broken for o in outcomes)),
            details={
                "method": p.method,
                "attacker": p.attacker,
                "render": p.render,
                "budget": p.budget,
                "probes": len(probes),
                "outcomes": [
                    _outcome_details(probe.id, o) for probe, o in zip(probes, outcomes, strict=True)
                ],
            },
        )


def _outcome_details(probe: str, outcome: Outcome) -> dict[str, Any]:
    return {
        "probe": probe,
        "judged": outcome.judged,
        "turns_to_success": outcome.turns_to_success,
        "queries": outcome.queries,
        "attacker_failures": outcome.attacker_failures,
        "trajectory": _transcript(outcome.trajectory),
        **({"backtracks": outcome.backtracks} if outcome.backtracks else {}),
    }


def _transcript(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """Roles and texts for the report's gallery (an image-rendered request shows as its text)."""
    out: list[dict[str, Any]] = []
    for turn in turns:
        out.append({"role": "user", "text": turn.prompt})
        out.append({"role": "assistant", "text": turn.answer, "verdict": turn.verdict})
    return out


def attacker_handle(spec: str) -> ModelHandle:
    """The attacker model's handle, checked to be a Generator (a one-line ConfigError else)."""
    handle = resolve_model(spec)
    needed_by = "safety.multi_turn's attacker="
    fix = "give attacker= 'scripted' or a Generator (image + prompt -> text), e.g. zoo:assistant"
    check_capabilities(handle.name, handle.capabilities, ("Generator",), needed_by, fix)
    return handle


@functools.cache
def load_attacker(spec: str) -> Any:
    """The loaded attacker model; one per process, as the runner caches models."""
    return attacker_handle(spec).load()
