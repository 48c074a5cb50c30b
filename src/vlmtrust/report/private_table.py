"""Private computation side by side: utility, privacy and cost of each private protocol a run
measured, beside the plaintext baseline, built from stored metric rows only.

A team choosing between encrypted inference and secure multi-party scoring needs one table:
what each keeps (zero-shot accuracy on the same samples, agreement with plaintext, logit
error), who sees what (the trust model), and what it costs (seconds and bytes per image, and
their ratio to the plaintext split). One table per model whose run holds
``privacy.private_inference`` rows; a row per mitigation, the baseline first. A cell the run does
not hold is ``None``: nothing is re-scanned or guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.report.markup import markdown_table
from vlmtrust.report.safety_matrix import cell_json

TASK = "privacy.private_inference"

#: (column, task, metric) of each measured column; the attack is always the clean condition
COLUMNS = (
    ("zero_shot_accuracy", "robustness.zero_shot", "accuracy"),
    ("argmax_agreement", TASK, "argmax_agreement"),
    ("logit_abs_error_max", TASK, "logit_abs_error_max"),
    ("seconds_per_image", TASK, "seconds_per_image"),
    ("bytes_per_image", TASK, "bytes_per_image"),
)
#: the cost columns read as a ratio to the baseline's (the plaintext split) on the same samples
COSTS = ("seconds_per_image", "bytes_per_image")

#: who sees what, per protocol (``details["protocol"]`` of the rows)
TRUST = {
    "plaintext": "the server sees the client's embedding and the logits",
    "he_inference": (
        "CKKS: the server computes on ciphertexts and sees neither the embedding nor the "
        "logits; the client learns only its logits"
    ),
    "mpc_inference": (
        "3-party MPC, honest majority: no single party sees another's input; the logits are "
        "opened to the client only"
    ),
}


@dataclass(frozen=True)
class PrivateTable:
    model: str
    mitigations: list[str]
    protocols: dict[str, str]  # mitigation -> protocol name
    cells: dict[tuple[str, str], MetricRow]  # (column, mitigation) -> row


def private_tables(rows: Sequence[MetricRow]) -> list[PrivateTable]:
    """One table per model whose rows include ``privacy.private_inference``."""
    out = []
    for model in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == model and r.attack == "none"]
        private = {r.mitigation for r in mine if r.task == TASK}
        if not private:
            continue
        cells = {
            (column, r.mitigation): r
            for column, task, metric in COLUMNS
            for r in mine
            if (r.task, r.metric) == (task, metric) and r.mitigation in private
        }
        found = list(dict.fromkeys(r.mitigation for r in mine if r.mitigation in private))
        mitigations = sorted(found, key=lambda m: (m != "none", found.index(m)))
        protocols = {m: _protocol(cells, m) for m in mitigations}
        out.append(PrivateTable(model, mitigations, protocols, cells))
    return out


def _protocol(cells: dict[tuple[str, str], MetricRow], mitigation: str) -> str:
    for column, *_ in COLUMNS:
        row = cells.get((column, mitigation))
        if row is not None and row.task == TASK and "protocol" in row.details:
            return str(row.details["protocol"])
    return "plaintext" if mitigation == "none" else "unknown"


def ratio(table: PrivateTable, column: str, mitigation: str) -> float | None:
    """The mitigation's cost over the baseline's; None without both or with a zero baseline."""
    row, base = table.cells.get((column, mitigation)), table.cells.get((column, "none"))
    if row is None or base is None or row.value is None or not base.value:
        return None
    return row.value / base.value


def private_json(tables: Sequence[PrivateTable]) -> list[dict[str, Any]]:
    return [
        {
            "model": t.model,
            "columns": [c for c, *_ in COLUMNS],
            "rows": [
                {
                    "mitigation": m,
                    "protocol": t.protocols[m],
                    "who_sees_what": TRUST.get(t.protocols[m]),
                    "cells": {c: cell_json(t.cells.get((c, m))) for c, *_ in COLUMNS},
                    "cost_ratio": {c: ratio(t, c, m) for c in COSTS},
                }
                for m in t.mitigations
            ],
        }
        for t in tables
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def cell_text(row: MetricRow | None) -> str:
    """``0.95 [0.764, 0.991] n=20``; ``-`` when the run has no such row."""
    if row is None:
        return "-"
    if row.value is None:
        return f"n/a n={row.n}"
    low, high = row.ci_low, row.ci_high
    ci = "" if low is None or high is None else f" [{_number(low)}, {_number(high)}]"
    return f"{_number(row.value)}{ci} n={row.n}"


def private_table_cells(t: PrivateTable) -> tuple[list[str], list[list[str]]]:
    """Header and body (plain text): a row per mitigation, the measured columns, cost ratios,
    and who sees what."""
    head = ["mitigation", "protocol", "zero-shot accuracy", "argmax agreement"]
    head += ["max logit error", "seconds / image", "bytes / image", "time x", "bytes x"]
    head += ["who sees what"]
    body = []
    for m in t.mitigations:
        ratios = [ratio(t, c, m) for c in COSTS]
        body.append(
            [
                m,
                t.protocols[m],
                *(cell_text(t.cells.get((c, m))) for c, *_ in COLUMNS),
                *("-" if r is None else f"{r:,.1f}" for r in ratios),
                TRUST.get(t.protocols[m], "-"),
            ]
        )
    return head, body


def private_markdown(tables: Sequence[PrivateTable]) -> list[str]:
    lines: list[str] = []
    for t in tables:
        head, body = private_table_cells(t)
        lines += [
            f"## Private computation ({t.model})",
            "",
            "Utility, privacy and cost of each private protocol beside the plaintext split, on "
            "the same samples; 95% intervals, n scorable; `x`: ratio to the baseline; `-`: not "
            "in the run.",
            "",
            *markdown_table(head, body),
            "",
        ]
    return lines
