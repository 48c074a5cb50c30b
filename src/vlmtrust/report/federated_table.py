"""Federated fine-tuning in the "Private computation" section: utility, privacy and cost of each
``--mitigate federated`` variant beside the baseline (and a centralised ``clients=1`` variant
where the run has one), built from the stored ``privacy.federated`` rows only.

Federated training is a different trade from private inference (the data stays with its
owners while the model is trained, not while it is used), so it gets its own table in the same
section: held-out accuracy on the same scenes, the worst client's accuracy (heterogeneity), the
epsilon spent, what inverting one client's update recovers, and the bytes it sent. A cell the
run does not hold is ``-``: nothing is re-scanned or guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.report.markup import markdown_table
from vlmtrust.report.private_table import cell_text
from vlmtrust.report.safety_matrix import cell_json

TASK = "privacy.federated"
INVERSION = "gradient_inversion"

#: (column, attack, metric, header) of each measured column
COLUMNS = (
    ("accuracy", "none", "accuracy", "held-out accuracy"),
    ("client_accuracy_worst", "none", "client_accuracy_worst", "worst client's accuracy"),
    ("epsilon", "none", "epsilon", "epsilon (DP)"),
    ("psnr_gain_prior", INVERSION, "psnr_gain_prior", "inversion PSNR gain (dB)"),
    ("psnr_gain_prior_dp", INVERSION, "psnr_gain_prior_dp", "with DP"),
    ("feature_recovery_error", INVERSION, "feature_recovery_error", "feature-recovery error"),
    ("feature_recovery_error_dp", INVERSION, "feature_recovery_error_dp", "with DP"),
    ("bytes_per_round", "none", "bytes_per_round", "bytes / round"),
    ("bytes_total", "none", "bytes_total", "bytes total"),
)
#: the setting a variant's card rows carry (``tasks/privacy/federated``)
SETTING = ("clients", "rounds", "partition", "strategy", "secure_aggregation")
#: the table's order: the baseline, the centralised reference, then the federated variants
_RANK = {"plaintext": 0, "centralised": 1}


@dataclass(frozen=True)
class FederatedTable:
    model: str
    mitigations: list[str]
    protocols: dict[str, str]
    settings: dict[str, dict[str, Any]]
    cells: dict[tuple[str, str], MetricRow]  # (column, mitigation) -> row


def federated_tables(rows: Sequence[MetricRow]) -> list[FederatedTable]:
    """One table per model whose rows include ``privacy.federated``: the baseline first, then
    any centralised (``clients=1``) variant, then the federated ones in the run's order."""
    out = []
    for model in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == model and r.task == TASK]
        if not mine:
            continue
        cells = {
            (column, r.mitigation): r
            for column, attack, metric, _ in COLUMNS
            for r in mine
            if (r.attack, r.metric) == (attack, metric)
        }
        found = list(dict.fromkeys(r.mitigation for r in mine))
        protocols = {m: _protocol(mine, m) for m in found}
        mitigations = sorted(found, key=lambda m: (_RANK.get(protocols[m], 2), found.index(m)))
        settings = {m: _setting(mine, m) for m in mitigations}
        out.append(FederatedTable(model, mitigations, protocols, settings, cells))
    return out


def _protocol(rows: Sequence[MetricRow], mitigation: str) -> str:
    for r in rows:
        if r.mitigation == mitigation and "protocol" in r.details:
            return str(r.details["protocol"])
    return "plaintext" if mitigation == "none" else "unknown"


def _setting(rows: Sequence[MetricRow], mitigation: str) -> dict[str, Any]:
    for r in rows:
        if r.mitigation == mitigation and "clients" in r.details and "partition" in r.details:
            return {k: r.details[k] for k in SETTING if k in r.details}
    return {}


def who_sees_what(protocol: str, setting: dict[str, Any], private: bool) -> str:
    """The trust model of a row, from its protocol and setting."""
    if protocol == "plaintext":
        return "no federated training: the model as given (the baseline)"
    if protocol == "centralised":
        return "one party holds every client's rows (what federating avoids)"
    if protocol != "federated":
        return "-"
    sees = (
        "only the sum of the clients' updates (secure aggregation)"
        if setting.get("secure_aggregation")
        else "each client's head update every round"
    )
    noise = "; each update clipped and noised (client-level DP)" if private else ""
    return f"rows stay with their client; the server sees {sees}{noise}"


def setting_text(setting: dict[str, Any]) -> str:
    if not setting:
        return "-"
    parts = [f"{k}={setting[k]}" for k in SETTING if k in setting and k != "secure_aggregation"]
    if setting.get("secure_aggregation"):
        parts.append("secure aggregation")
    return ", ".join(parts)


def federated_table_cells(t: FederatedTable) -> tuple[list[str], list[list[str]]]:
    """Header and body (plain text): a row per mitigation, its setting, the measured columns
    and who sees what."""
    head = ["mitigation", "protocol", "setting", *(h for *_, h in COLUMNS), "who sees what"]
    body = []
    for m in t.mitigations:
        private = ("epsilon", m) in t.cells
        body.append(
            [
                m,
                t.protocols[m],
                setting_text(t.settings[m]),
                *(cell_text(t.cells.get((c, m))) for c, *_ in COLUMNS),
                who_sees_what(t.protocols[m], t.settings[m], private),
            ]
        )
    return head, body


def federated_json(tables: Sequence[FederatedTable]) -> list[dict[str, Any]]:
    return [
        {
            "model": t.model,
            "columns": [c for c, *_ in COLUMNS],
            "rows": [
                {
                    "mitigation": m,
                    "protocol": t.protocols[m],
                    "setting": t.settings[m],
                    "who_sees_what": who_sees_what(
                        t.protocols[m], t.settings[m], ("epsilon", m) in t.cells
                    ),
                    "cells": {c: cell_json(t.cells.get((c, m))) for c, *_ in COLUMNS},
                }
                for m in t.mitigations
            ],
        }
        for t in tables
    ]


def federated_markdown(tables: Sequence[FederatedTable]) -> list[str]:
    lines: list[str] = []
    for t in tables:
        head, body = federated_table_cells(t)
        lines += [
            f"## Private computation: federated fine-tuning ({t.model})",
            "",
            "Each federated variant beside the baseline on the trainer's held-out scenes; 95% "
            "intervals, n scenes (a client's: its rows; an inversion's: images); `-`: not in "
            "the run.",
            "",
            *markdown_table(head, body),
            "",
        ]
    return lines
