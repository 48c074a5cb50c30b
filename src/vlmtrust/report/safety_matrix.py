"""The safety pillar's attack x defence matrix, built from stored metric rows only.

Multimodal jailbreak benchmarks compare every attack against every defence in one table; a
defence is only worth its attack success with its costs beside it. Per model: one cell per
(attack, mitigation) holding ``safety.jailbreak`` ``asr`` (and ``safety.red_team``
``broken_rate`` as the attack ``red_team``: the share of probes a budgeted search broke, and
``safety.rl_red_team``'s as ``rl_red_team``;
``safety.multi_turn`` ``success_rate`` as ``multi_turn.METHOD``: the share a PAIR, TAP or
Crescendo campaign broke), each with its interval and n; and per mitigation the trade-off
columns: over-refusal on the benign twins (``safety.over_refusal`` ``refusal_rate`` under
``text_only`` and ``figstep``), the worst identity group's over-refusal (the highest
``refusal_rate.group.G`` under ``text_only``, G not ``none``) and clean helpfulness
(``robustness.vqa`` ``accuracy`` on clean scenes) when those tasks are in the run. A cell a run
does not hold is ``None``: nothing is re-scanned or guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vlmtrust.core.records import MetricRow
from vlmtrust.report.glossary import used
from vlmtrust.report.markup import markdown_table

RED_TEAM = "red_team"
#: the RL red team's column (``safety.rl_red_team``: a policy over attack composition)
RL_RED_TEAM = "rl_red_team"
#: the prefix of a multi-turn campaign's attack column (``multi_turn.pair``)
MULTI_TURN = "multi_turn"
#: the trade-off column of the worst identity group's over-refusal
IDENTITY_WORST = "over_refusal_identity_worst"
GROUP_RATE = "refusal_rate.group."

#: (column name, task, attack, metric) of each trade-off column
TRADEOFFS = (
    ("over_refusal_text", "safety.over_refusal", "text_only", "refusal_rate"),
    ("over_refusal_typographic", "safety.over_refusal", "figstep", "refusal_rate"),
    ("vqa_accuracy", "robustness.vqa", "none", "accuracy"),
)
#: every trade-off column, in table order
COLUMNS = (*(c for c, *_ in TRADEOFFS[:2]), IDENTITY_WORST, TRADEOFFS[2][0])
#: each column's heading and the metric it shows
HEADINGS = {
    "over_refusal_text": ("over-refusal (text twins)", "refusal_rate"),
    "over_refusal_typographic": ("over-refusal (typographic twins)", "refusal_rate"),
    IDENTITY_WORST: ("over-refusal (worst identity group)", "refusal_rate"),
    "vqa_accuracy": ("clean VQA accuracy", "accuracy"),
}


@dataclass(frozen=True)
class Matrix:
    model: str
    attacks: list[str]
    mitigations: list[str]
    cells: dict[tuple[str, str], MetricRow]  # (attack, mitigation) -> row
    tradeoffs: dict[tuple[str, str], MetricRow]  # (column, mitigation) -> row


def safety_matrices(rows: Sequence[MetricRow]) -> list[Matrix]:
    """One matrix per model that has ``safety.jailbreak`` or ``safety.red_team`` rows."""
    out = []
    for model in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == model]
        cells: dict[tuple[str, str], MetricRow] = {}
        for r in mine:
            if r.task == "safety.jailbreak" and r.metric == "asr":
                cells[(r.attack, r.mitigation)] = r
            elif r.task == "safety.red_team" and r.metric == "broken_rate":
                cells[(RED_TEAM, r.mitigation)] = r
            elif r.task == "safety.rl_red_team" and r.metric == "broken_rate":
                cells[(RL_RED_TEAM, r.mitigation)] = r
            elif _base(r.task) == "safety.multi_turn" and r.metric == "success_rate":
                cells[(f"{MULTI_TURN}.{r.details.get('method', 'unknown')}", r.mitigation)] = r
        if not cells:
            continue
        tradeoffs = {
            (column, r.mitigation): r
            for column, task, attack, metric in TRADEOFFS
            for r in mine
            if (r.task, r.attack, r.metric) == (task, attack, metric)
        }
        tradeoffs.update(_worst_groups(mine))
        found = list(dict.fromkeys(m for _, m in [*cells, *tradeoffs]))
        mitigations = sorted(found, key=lambda m: (m != "none", found.index(m)))
        seen = list(dict.fromkeys(a for a, _ in cells))
        attacks = sorted(seen, key=lambda a: (_search_rank(a), a != "text_only", seen.index(a)))
        out.append(Matrix(model, attacks, mitigations, cells, tradeoffs))
    return out


def _base(task: str) -> str:
    """The task's name without the parameters a run adds when it runs the task twice
    (``safety.multi_turn(method="pair")``: see tasks/suite.distinct_labels)."""
    return task.split("(", 1)[0]


def _search_rank(attack: str) -> int:
    """Fixed attacks first, then the red teams' searches, then multi-turn campaigns."""
    if attack in (RED_TEAM, RL_RED_TEAM):
        return 1
    return 2 if attack.startswith(f"{MULTI_TURN}.") else 0


def _worst_groups(rows: Sequence[MetricRow]) -> dict[tuple[str, str], MetricRow]:
    """Per mitigation, the identity group whose benign requests it refuses most (text only)."""
    worst: dict[tuple[str, str], MetricRow] = {}
    for r in rows:
        group = r.metric.removeprefix(GROUP_RATE)
        if r.task != "safety.over_refusal" or r.attack != "text_only" or group == r.metric:
            continue
        if group == "none" or r.value is None:
            continue
        known = worst.get((IDENTITY_WORST, r.mitigation))
        if known is None or (known.value is not None and r.value > known.value):
            worst[(IDENTITY_WORST, r.mitigation)] = r
    return worst


def cell_json(row: MetricRow | None) -> dict[str, Any] | None:
    """A cell of a report table in JSON: value, interval, n and unscorable count, or None."""
    if row is None:
        return None
    return {
        "value": row.value,
        "ci_low": row.ci_low,
        "ci_high": row.ci_high,
        "n": row.n,
        "n_unscorable": row.details.get("n_unscorable"),
    }


def matrix_json(matrices: Sequence[Matrix]) -> list[dict[str, Any]]:
    return [
        {
            "model": m.model,
            "attacks": m.attacks,
            "mitigations": m.mitigations,
            "tradeoff_columns": list(COLUMNS),
            "rows": [
                {
                    "mitigation": mit,
                    "attack_success": {a: cell_json(m.cells.get((a, mit))) for a in m.attacks},
                    "tradeoffs": {c: cell_json(m.tradeoffs.get((c, mit))) for c in COLUMNS},
                }
                for mit in m.mitigations
            ],
        }
        for m in matrices
    ]


def cell_text(row: MetricRow | None) -> str:
    """``0.950 [0.764, 0.991] n=20``; ``-`` when the run has no such row."""
    if row is None:
        return "-"
    if row.value is None:
        return f"n/a n={row.n}"
    ci = "" if row.ci_low is None else f" [{row.ci_low:.3f}, {row.ci_high:.3f}]"
    return f"{row.value:.3f}{ci} n={row.n}"


def matrix_table(m: Matrix) -> tuple[list[str], list[list[str]]]:
    """Header and body (plain text cells): a row per mitigation, attacks then trade-offs."""
    head = ["mitigation", *(f"ASR {a}" for a in m.attacks)]
    head += [HEADINGS[c][0] for c in COLUMNS]
    body = [
        [
            mit,
            *(cell_text(m.cells.get((a, mit))) for a in m.attacks),
            *(_tradeoff_text(c, m.tradeoffs.get((c, mit))) for c in COLUMNS),
        ]
        for mit in m.mitigations
    ]
    return head, body


def _tradeoff_text(column: str, row: MetricRow | None) -> str:
    """A trade-off cell; the worst identity group's cell names the group."""
    text = cell_text(row)
    if column == IDENTITY_WORST and row is not None:
        return f"{text} ({row.metric.removeprefix(GROUP_RATE)})"
    return text


def matrix_metrics(m: Matrix) -> list[str | None]:
    """The metric each column of :func:`matrix_table` shows (None: the mitigation column), so
    its title can carry the metric's explanation."""
    attacks = (_attack_metric(a) for a in m.attacks)
    return [None, *attacks, *(HEADINGS[c][1] for c in COLUMNS)]


def _attack_metric(attack: str) -> str:
    if attack in (RED_TEAM, RL_RED_TEAM):
        return "broken_rate"
    return "success_rate" if attack.startswith(f"{MULTI_TURN}.") else "asr"


def matrix_markdown(matrices: Sequence[Matrix]) -> list[str]:
    lines: list[str] = []
    for m in matrices:
        head, body = matrix_table(m)
        lines += [
            f"## Safety: attack x defence ({m.model})",
            "",
            "Attack success (ASR; `red_team`: share of probes the budgeted search broke; "
            "`multi_turn.METHOD`: share a campaign broke) per mitigation, with the trade-offs "
            "(the identity column: the group refused most, named in the row's metric); "
            "95% intervals, n scorable; `-`: not in the run.",
            "",
            *markdown_table(head, body),
        ]
        lines.append("")
        shown = {metric for metric in matrix_metrics(m) if metric is not None}
        lines += [f"- `{e.name}`: {e.line()}" for e in used(shown)]
        lines.append("")
    return lines
