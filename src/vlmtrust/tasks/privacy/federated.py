"""What federated fine-tuning kept, leaked and cost, as scan rows: ``--task privacy.federated
--mitigate federated:...`` stores them beside the baseline's, so the report's "Private
computation" table reads them like the encrypted and multi-party protocols' rows.

Every variant is scored on the federated trainer's own held-out scenes (the same samples, so a
before -> after is paired): the zero-shot accuracy of its projection head on the label's
classes, computed as the trainer computes it (the baseline's equals the card's round 0, a
variant's its last round). A ``federated`` variant adds what only its training saw, read from
its artifact's card: accuracy after every round (Wilson 95%, n = held-out scenes), bytes sent
per round and in total, each client's accuracy on its own rows (heterogeneity; n = its rows)
and, with DP, the epsilon spent. With ``inversion_images`` > 0 it also inverts one client's
shared update of the scanned head, plain and (with DP) as privatised
(:mod:`federated_leak`): PSNR gain over the prior and feature-recovery error, with intervals.
``federated:clients=1`` is the centralised comparison (one party holds every row).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from pydantic import Field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.source import Scenes
from vlmtrust.metrics.declared import Declared, per_condition, rate
from vlmtrust.metrics.rates import Estimate
from vlmtrust.mitigations.trainers.federated import (
    HELD_OUT_SEED,
    FederatedParams,
    federated_data,
    head_logits,
    label_of,
)
from vlmtrust.tasks.base import DataContext, Task
from vlmtrust.tasks.robustness.conditions import CLEAN

#: the trainer's name in a card's ``mitigation`` entry
TRAINER = "federated"
#: the attack label of the inversion rows of one client's shared update
INVERSION = "gradient_inversion"


class FederatedTaskParams(Params):
    label: str = Field(default="count", description="the trainer's label (its default: count)")
    held_out: int = Field(
        default=256, ge=1, description="the trainer's held-out scenes (its default: 256)"
    )
    inversion_images: int = Field(
        default=0,
        ge=0,
        description="images of client 0 whose shared update is inverted (0: no inversion)",
    )
    inversion_steps: int = Field(default=200, ge=2, description="steps of each inversion")
    classes: tuple[str, ...] | None = Field(
        default=None, description="pinned from the held-out scenes (leave unset)"
    )


def federated_card(model: Any) -> Mapping[str, Any] | None:
    """The model's card where it is a ``federated`` trainer's artifact, else None."""
    card = getattr(model, "card", None)
    if not isinstance(card, Mapping) or not isinstance(card.get("mitigation"), Mapping):
        return None
    return card if card["mitigation"].get("name") == TRAINER else None


def protocol_of(card: Mapping[str, Any] | None) -> str:
    """plaintext (no federated training), centralised (one client) or federated."""
    if card is None:
        return "plaintext"
    return "centralised" if len(card["clients"]) == 1 else "federated"


def _compact(card: Mapping[str, Any]) -> dict[str, Any]:
    """What the rows need of the card (stored on each score, so kept small)."""
    params = dict(card["mitigation"].get("params") or {})
    out: dict[str, Any] = {
        "rounds": [
            [
                r["round"],
                r["accuracy"]["value"],
                *r["accuracy"]["ci"],
                r["accuracy"]["n"],
                r["upload_bytes"],
                r["download_bytes"],
                r["key_bytes"],
            ]
            for r in card["rounds"]
        ],
        "clients": [
            [c["client"], c["accuracy"]["value"], *c["accuracy"]["ci"], c["accuracy"]["n"]]
            for c in card["clients"]
        ],
        "setting": {
            k: params[k]
            for k in ("partition", "strategy", "rounds", "clients", "secure_aggregation")
            if k in params
        },
    }
    if card.get("epsilon") is not None:
        out["dp"] = {k: card[k] for k in ("epsilon", "delta", "noise_multiplier", "clip")}
    return out


def _estimate(value: Any, low: Any, high: Any, n: int) -> Estimate:
    return Estimate(None if value is None else float(value), low, high, int(n))


def card_estimates(summary: Mapping[str, Any]) -> list[tuple[str, Estimate, dict[str, Any]]]:
    """The card's numbers as (metric, estimate, details) rows; see the module doc."""
    setting = dict(summary.get("setting") or {})
    out: list[tuple[str, Estimate, dict[str, Any]]] = []
    sent = []
    for r, value, low, high, n, up, down, key in summary["rounds"]:
        out.append((f"accuracy.round.{r}", _estimate(value, low, high, n), {"round": r}))
        if r > 0:
            split = {"upload": up, "download": down, "keys": key}
            sent.append(up + down + key)
            out.append((f"bytes.round.{r}", Estimate(float(sent[-1]), None, None, 1), split))
    if sent:
        per_round = Estimate(sum(sent) / len(sent), None, None, len(sent))
        spread = {"min": min(sent), "max": max(sent)}
        out.append(("bytes_per_round", per_round, spread))
        out.append(("bytes_total", Estimate(float(sum(sent)), None, None, len(sent)), {}))
    clients = summary["clients"]
    for c, value, low, high, n in clients:
        out.append((f"client_accuracy.client.{c}", _estimate(value, low, high, n), {"client": c}))
    if clients:
        c, value, low, high, n = min(clients, key=lambda row: (row[1] is None, row[1]))
        worst = _estimate(value, low, high, n)
        out.append(("client_accuracy_worst", worst, {"client": c, "clients": len(clients)}))
    if "dp" in summary:
        dp = dict(summary["dp"])
        out.append(("epsilon", Estimate(float(dp.pop("epsilon")), None, None, 1), dp))
    return [(m, e, {**d, **setting}) for m, e, d in out]


def _card_rows(scores: Sequence[Score]) -> list[tuple[str, Estimate, dict[str, Any]]]:
    for s in scores:
        if "card" in s.details:
            return card_estimates(s.details["card"])
    return []


def _leak_rows(scores: Sequence[Score]) -> list[tuple[str, Estimate, dict[str, Any]]]:
    for s in scores:
        if "leak" in s.details:
            return [
                (metric, _estimate(*values), {"update": "client 0, one image, one step"})
                for metric, values in s.details["leak"].items()
            ]
    return []


def _protocol(scores: Sequence[Score]) -> dict[str, Any]:
    for s in scores:
        if "protocol" in s.details:
            return {"protocol": s.details["protocol"]}
    return {}


METRICS: tuple[Declared, ...] = (
    rate("correct", "accuracy", details=_protocol),
    per_condition(_card_rows, unscorable=None),
    per_condition(_leak_rows, unscorable=None, attack=INVERSION),
)

#: leak estimates per scanned model: every batch of the scan reads the same one
_LEAKS: weakref.WeakKeyDictionary[Any, dict[tuple[int, int], dict[str, list[Any]]]] = (
    weakref.WeakKeyDictionary()
)


class FederatedTraining(Task):
    Params = FederatedTaskParams
    params: FederatedTaskParams
    requires: ClassVar[tuple[str, ...]] = ("Embedder", "Tunable")
    hooks: ClassVar[tuple[str, ...]] = ("card",)
    in_pillar_suite = False
    headline = "accuracy"

    def declared_metrics(self) -> Sequence[Declared]:
        return METRICS

    def samples(self, ctx: DataContext) -> list[Sample]:
        scenes = Scenes(n=ctx.cap(self.params.held_out), seed=HELD_OUT_SEED, family="objects")
        return ctx.reference(scenes)

    def resolve(self, samples: Sequence[Sample]) -> Self:
        if self.params.classes is not None:
            return self
        classes = sorted({label_of(s, self.params.label) for s in samples} - {""})
        params = self.params.model_copy(update={"classes": tuple(classes)})
        return type(self)(Spec(name=self.spec.name, params=params.model_dump(mode="json")))

    def conditions(self) -> list[Spec]:
        return [CLEAN]

    def _check(self, card: Mapping[str, Any] | None) -> None:
        """A variant trained on another label or scored on other scenes would be compared
        with nothing: refused, naming the task parameters that match it."""
        if card is None:
            return
        trained = FederatedParams(**(card["mitigation"].get("params") or {}))
        label, held = trained.label, trained.held_out
        if (label, held) != (self.params.label, self.params.held_out) or tuple(
            card["classes"]
        ) != tuple(self.params.classes or ()):
            raise ConfigError(
                f"the federated variant was trained on label={label} with {held} held-out "
                f"scenes, the task scores label={self.params.label} on {self.params.held_out}",
                f"scan with --task privacy.federated:label={label},held_out={held}",
            )

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        classes = list(self.params.classes or ())
        if not classes:
            raise RuntimeError("score() needs a resolved task (call resolve first)")
        card = federated_card(model)
        self._check(card)
        details: dict[str, Any] = {"protocol": protocol_of(card)}
        if card is not None:
            details["card"] = _compact(card)
            if self.params.inversion_images > 0:
                details["leak"] = self._leak(model, card)
        logits = head_logits(model, samples, classes)
        out = []
        for sample, row in zip(samples, logits, strict=True):
            truth = label_of(sample, self.params.label)
            if truth not in classes:
                out.append([Score.cannot_score(sample.id, "correct", "label not in classes")])
                continue
            value = float(int(row.argmax()) == classes.index(truth))
            out.append([Score(sample_id=sample.id, metric="correct", value=value, details=details)])
        return out

    def _leak(self, model: Any, card: Mapping[str, Any]) -> dict[str, list[Any]]:
        """PSNR gain over the prior and feature-recovery error of client 0's update of the
        scanned head, plain and, with DP, as privatised; once per model."""
        from vlmtrust.tasks.privacy.federated_leak import client_update_leak

        key = (self.params.inversion_images, self.params.inversion_steps)
        found = _LEAKS.setdefault(model, {})
        if key not in found:
            fed = FederatedParams(**(card["mitigation"].get("params") or {}))
            data = federated_data(model, fed)
            leak: dict[str, list[Any]] = {}
            for private in (False, True) if fed.dp_epsilon is not None else (False,):
                result = client_update_leak(model, fed, data, *key, private=private)
                suffix = "_dp" if private else ""
                for metric, est in (
                    ("psnr_gain_prior", result.gain_over_prior),
                    ("feature_recovery_error", result.feature_error),
                ):
                    leak[metric + suffix] = [est.value, est.ci_low, est.ci_high, est.n]
            found[key] = leak
        return found[key]
