"""``vlmtrust train federated``: the ``federated`` trainer run as a scan would run it (the
artifact cache: a second run never retrains, and ``scan --mitigate federated:...`` with the same
parameters reuses it), its card turned into metric rows, plus the gradient-inversion risk of one
client's shared update with and without DP. Rows go to ``OUT/federated_rows.json`` (the row
format of ``vlmtrust report --format json``) and the card to ``OUT/federated_card.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.outputs import check_output_dir
from vlmtrust.core.records import MetricRow
from vlmtrust.core.spec import Spec

TASK = "train.federated"
ROWS_FILE = "federated_rows.json"
CARD_FILE = "federated_card.json"


@dataclass(frozen=True)
class FederatedRun:
    rows: list[MetricRow]
    label: str
    out: Path


def _row(label: str, model: str, metric: str, value: Any, **details: Any) -> MetricRow:
    """A row from a card entry: a rate ``{value, ci, n}`` or a plain count."""
    if isinstance(value, dict):
        low, high = value["ci"]
        return MetricRow(
            task=TASK,
            attack="none",
            mitigation=label,
            metric=metric,
            value=value["value"],
            ci_low=low,
            ci_high=high,
            n=int(value["n"]),
            model=model,
            details=details,
        )
    return MetricRow(
        task=TASK,
        attack="none",
        mitigation=label,
        metric=metric,
        value=float(value),
        ci_low=None,
        ci_high=None,
        n=1,
        model=model,
        details=details,
    )


def card_rows(card: dict[str, Any], label: str, model: str) -> list[MetricRow]:
    """Accuracy per round (Wilson 95%), bytes per round and in total, accuracy per client,
    and epsilon when private."""
    rows = []
    for entry in card["rounds"]:
        r = entry["round"]
        rows.append(_row(label, model, "accuracy", entry["accuracy"], round=r))
        for key in ("upload_bytes", "download_bytes", "key_bytes"):
            if r > 0:
                rows.append(_row(label, model, key, entry[key], round=r))
    rows.append(_row(label, model, "accuracy_final", card["accuracy_after"]))
    for key in ("upload_bytes_total", "download_bytes_total", "key_bytes_total"):
        rows.append(_row(label, model, key, card[key]))
    for client in card["clients"]:
        rows.append(
            _row(
                label,
                model,
                "client_accuracy",
                client["accuracy"],
                client=client["client"],
                rows=client["rows"],
                classes=client["classes"],
            )
        )
    if card.get("epsilon") is not None:
        rows.append(
            _row(
                label,
                model,
                "epsilon",
                card["epsilon"],
                delta=card["delta"],
                noise_multiplier=card["noise_multiplier"],
                clip=card["clip"],
            )
        )
    return rows


def _leak_rows(leak: Any, label: str, model: str) -> list[MetricRow]:
    suffix = "_dp" if leak.private else ""
    rows = []
    measured = (
        ("psnr", leak.psnr),
        ("psnr_gain_prior", leak.gain_over_prior),
        ("feature_recovery_error", leak.feature_error),
    )
    for metric, estimate in measured:
        rows.append(
            MetricRow(
                task=TASK,
                attack="gradient_inversion",
                mitigation=label,
                metric=metric + suffix,
                value=estimate.value,
                ci_low=estimate.ci_low,
                ci_high=estimate.ci_high,
                n=estimate.n,
                model=model,
                details={"update": "client 0, one image, one step", "private": leak.private},
            )
        )
    return rows


def train_federated(
    model: str,
    params: dict[str, Any],
    out: Path,
    inversion_images: int = 4,
    inversion_steps: int = 200,
) -> FederatedRun:
    """Train (or reuse) the federated variant of ``model`` and write its rows into ``out``."""
    from vlmtrust.mitigations.base import build_mitigation, variant_label
    from vlmtrust.mitigations.trainers.federated import FederatedParams, federated_data
    from vlmtrust.models.base import resolve_model
    from vlmtrust.tasks.privacy.federated_leak import client_update_leak

    check_output_dir(out)
    handle = resolve_model(model)
    trainer = build_mitigation(Spec(name="federated", params=params))
    trainer.check_model(handle)
    label = variant_label([trainer.spec])
    base = handle.load()
    tuned = trainer.wrap(base)
    card: dict[str, Any] = dict(getattr(tuned, "card", {}))
    rows = card_rows(card, label, handle.name)
    fed = trainer.params
    if not isinstance(fed, FederatedParams):  # pragma: no cover - the registry's own class
        raise ConfigError("federated is not the federated trainer", "reinstall vlmtrust")
    if inversion_images > 0:
        data = federated_data(base, fed)
        for private in (False, True) if fed.dp_epsilon is not None else (False,):
            leak = client_update_leak(
                base, fed, data, inversion_images, inversion_steps, private=private
            )
            rows.extend(_leak_rows(leak, label, handle.name))
    out.mkdir(parents=True, exist_ok=True)
    dumped = [row.model_dump(mode="json") for row in rows]
    (out / ROWS_FILE).write_text(json.dumps(dumped, indent=1))
    (out / CARD_FILE).write_text(json.dumps(card, indent=1, default=str))
    return FederatedRun(rows, label, out)


def strategy_params(text: str) -> dict[str, Any]:
    """``fedavg``, ``fedprox`` or ``fedprox:mu=0.01`` as trainer params."""
    name, _, rest = text.partition(":")
    if name not in ("fedavg", "fedprox") or (
        rest and (name == "fedavg" or not rest.startswith("mu="))
    ):
        raise ConfigError(
            f"--strategy {text!r} is not fedavg, fedprox or fedprox:mu=MU",
            "write --strategy fedavg or --strategy fedprox:mu=0.01",
        )
    params: dict[str, Any] = {"strategy": name}
    if rest:
        params["mu"] = _number(rest.removeprefix("mu="), "--strategy mu")
    return params


def dp_params(text: str) -> dict[str, Any]:
    """``epsilon=E,delta=D,clip=C`` (delta and clip optional) as trainer params."""
    params: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or key not in ("epsilon", "delta", "clip"):
            raise ConfigError(
                f"--dp {text!r}: {part!r} is not epsilon=, delta= or clip=",
                "write --dp epsilon=8,delta=1e-5,clip=0.1",
            )
        params[f"dp_{key}"] = _number(value, f"--dp {key}")
    if "dp_epsilon" not in params:
        raise ConfigError(f"--dp {text!r} names no epsilon", "write --dp epsilon=8,delta=1e-5")
    return params


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not a number", f"give {what} a number") from None
