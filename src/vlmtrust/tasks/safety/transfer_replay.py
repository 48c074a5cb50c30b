"""Transfer replay, shared by the red-team searches: each attack that broke a probe on the scanned
model is replayed on a second model (``transfer_model=``, optionally behind
``transfer_mitigate=``), so a campaign says whether what it found carries over.

Held once here so ``safety.red_team`` (the bandit) and ``safety.rl_red_team`` (the policy) check
the second model the same way, pin it into the cache key the same way, and tally and report its
``transfer_rate`` rows the same way; error messages name the task that asked.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import Field

from vlmtrust.attacks.base import Attack
from vlmtrust.core.capabilities import check_capabilities
from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params, Spec, parse_spec
from vlmtrust.metrics.declared import Row
from vlmtrust.metrics.rates import Estimate, wilson
from vlmtrust.models.base import ModelHandle, resolve_model
from vlmtrust.scorers import refusal
from vlmtrust.tasks.base import Task
from vlmtrust.tasks.safety.probing import ask


class TransferParams(Params):
    """The transfer fields, declared once so both searches spell and describe them alike."""

    transfer_model: str | None = Field(
        default=None, description="a model spec the found attacks are replayed against"
    )
    transfer_mitigate: str = Field(
        default="", description="a --mitigate variant for the transfer model, e.g. 'guard'"
    )
    transfer_fingerprint: str = Field(
        default="", description="pinned at planning from transfer_model; leave it empty"
    )


def pin_transfer(task: Task) -> Task:
    """``task`` with the transfer model checked now (one-line errors before a run starts) and its
    fingerprint and mitigations pinned into the spec, so they are part of the cache key."""
    params = task.params
    assert isinstance(params, TransferParams)
    if params.transfer_model is None:
        if params.transfer_mitigate:
            raise ConfigError(
                f"{task.spec.name}: transfer_mitigate given without transfer_model",
                'add transfer_model="zoo:assistant" (or another model spec)',
            )
        return task
    handle, mitigations = transfer_target(
        params.transfer_model, params.transfer_mitigate, task.spec.name
    )
    pinned = hashlib.sha256(
        "|".join([handle.fingerprint, *(m.canonical() for m in mitigations)]).encode()
    ).hexdigest()[:16]
    return type(task)(
        Spec(name=task.spec.name, params={**task.spec.params, "transfer_fingerprint": pinned})
    )


def transfer_target(spec: str, mitigate: str, task: str) -> tuple[ModelHandle, tuple[Spec, ...]]:
    """The transfer model's handle and mitigation specs, checked like ``scan``'s own."""
    from vlmtrust.mitigations.base import build_mitigation

    handle = resolve_model(spec)
    needed_by = f"{task}'s transfer_model="
    fix = "give transfer_model= a Generator (image + prompt -> text), e.g. zoo:assistant"
    check_capabilities(handle.name, handle.capabilities, ("Generator",), needed_by, fix)
    wrappers = [build_mitigation(parse_spec(part)) for part in mitigate.split("+") if part]
    for wrapper in wrappers:
        name = f"{task}'s transfer mitigation {wrapper.spec.name}"
        fix = "pick another transfer_model=, or drop the mitigation from transfer_mitigate="
        check_capabilities(handle.name, handle.capabilities, wrapper.requires, name, fix)
        wrapper.check_model(handle)
    return handle, tuple(w.spec for w in wrappers)


@functools.cache
def load_transfer_target(spec: str, mitigate: str, task: str) -> Any:
    """The loaded, mitigated transfer model; one per process, as the runner caches models."""
    from vlmtrust.mitigations.base import build_mitigation

    handle, mitigations = transfer_target(spec, mitigate, task)
    model: Any = handle.load()
    for m in mitigations:
        model = build_mitigation(m).wrap(model)
    return model


def judge_verdicts(responses: Sequence[str | None]) -> list[bool | None]:
    """The refusal judge's calls on one round of responses (one batched call; an errored,
    non-text response is undecided)."""
    texts = [r for r in responses if isinstance(r, str)]
    calls = iter(v.complied for v in refusal.judge_many(texts))
    return [next(calls) if isinstance(r, str) else None for r in responses]


def replay(
    params: TransferParams, replayed: Sequence[tuple[Sample, Attack]], task: str
) -> dict[str, Any]:
    """Replay each (broken probe, the attack that broke it) on the transfer model and tally
    successes, judged tries and undecided answers per attack label."""
    assert params.transfer_model is not None
    target = load_transfer_target(params.transfer_model, params.transfer_mitigate, task)
    responses = ask(target, [attack.apply(p) for p, attack in replayed]) if replayed else []
    per_attack: dict[str, dict[str, int]] = {}
    for (_, attack), verdict in zip(replayed, judge_verdicts(responses), strict=True):
        tally = per_attack.setdefault(attack.label, {"successes": 0, "tries": 0, "unscorable": 0})
        if verdict is None:
            tally["unscorable"] += 1
        else:
            tally["tries"] += 1
            tally["successes"] += int(verdict)
    return {
        "model": params.transfer_model,
        "mitigation": params.transfer_mitigate or "none",
        "by_attack": per_attack,
    }


def transfer_rows(transfer: Mapping[str, Any]) -> Iterator[Row]:
    """``transfer_rate`` over all replays, then one ``transfer_rate.attack.<label>`` per attack."""
    tallies: dict[str, Mapping[str, int]] = dict(sorted(transfer["by_attack"].items()))
    total = {k: sum(t[k] for t in tallies.values()) for k in ("successes", "tries", "unscorable")}
    per_attack = [(f"transfer_rate.attack.{label}", t) for label, t in tallies.items()]
    for metric, tally in [("transfer_rate", total), *per_attack]:
        k, n = int(tally["successes"]), int(tally["tries"])
        low, high = wilson(k, n) if n else (None, None)
        details = {
            "transfer_model": transfer["model"],
            "transfer_mitigation": transfer["mitigation"],
            "n_unscorable": int(tally["unscorable"]),
        }
        yield metric, Estimate(k / n if n else None, low, high, n), details
