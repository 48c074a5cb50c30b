"""Golden metric rows: what the demo and one scan per pillar gave before the architecture
refactor (issue 17). A refactor may move code and change result keys; it may not change one
number (beyond float drift: ``REL_TOL``). The files were written by ``vlmtrust report RUN
--format json`` (its ``rows``) from ``vlmtrust demo --limit 12`` and ``vlmtrust scan --model M
--suite PILLAR --limit 6``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

#: how far a float may drift: a fine-tuned mitigation's outputs differ by ~1e-6 (relative) with
#: how its frozen text embeddings were batched earlier in the process; a real change is larger
REL_TOL, ABS_TOL = 1e-4, 1e-7

#: (task, mitigation) pairs whose numbers follow the machine, not the code: a long optimisation
#: (Neural Cleanse's 150-step mask search, gradient inversion) or a fine-tune followed by greedy
#: decoding amplifies the CPU's and the libraries' float rounding into different results. Measured
#: when the goldens moved from one machine to the next (70910d1): backdoor_scan flagged a second
#: label (anomaly indices up to 14.9 apart), gradient inversion drew another image, and
#: knowledge_sanitization's jailbreak rate went from 1.0 to unscorable. Their rows must still all be
#: there; their values are checked by each task's own acceptance tests (the planted target is
#: flagged, the fix helps), not against one machine's floats.
MACHINE_DEPENDENT = frozenset(
    {
        ("robustness.backdoor_scan", "none"),
        ("privacy.gradient_inversion", "none"),
        ("robustness.calibration", "outlier_exposure"),
        ("robustness.ood", "outlier_exposure"),
        ("privacy.memorization", "knowledge_sanitization"),
        ("robustness.vqa", "knowledge_sanitization"),
        ("safety.jailbreak", "knowledge_sanitization"),
        ("safety.toxicity", "knowledge_sanitization"),
    }
)

GOLDEN = Path(__file__).parent.parent / "golden"
#: (golden file stem, model, pillar, limit): the per-pillar scans
PILLAR_SCANS = (
    ("robustness_limit6", "zoo:clip", "robustness", 6),
    ("fairness_limit6", "zoo:clip", "fairness", 6),
    ("privacy_limit6", "zoo:clip", "privacy", 6),
    ("safety_limit6", "zoo:assistant", "safety", 6),
)


def golden_rows(stem: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((GOLDEN / f"{stem}.json").read_text())
    return rows


def assert_rows_match_golden(rows: list[dict[str, Any]], stem: str) -> None:
    """Every golden row back, with the same value, interval, n and details; nothing more."""
    expected = golden_rows(stem)
    key = ("model", "task", "attack", "mitigation", "metric")

    def by_key(items: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {tuple(r[k] for k in key): r for r in items}

    got, want = by_key(rows), by_key(expected)
    assert sorted(got) == sorted(want), (
        f"rows differ: missing {sorted(set(want) - set(got))[:5]}, "
        f"extra {sorted(set(got) - set(want))[:5]}"
    )
    changed = [k for k in want if not machine_dependent(want[k]) and not same(got[k], want[k])]
    assert not changed, f"{len(changed)} rows changed, first {changed[0]}: {got[changed[0]]}"


#: (task, attack, mitigation) rows that follow the machine while the task's other attacks do not:
#: LiRA trains 8 overfit shadow models, whose log-odds spread (``sd_out``) moved in the 4th digit
#: (0.3033 -> 0.3031) when the project moved to this machine (measured on a9c7526, the commit
#: whose rehearsal passed on the last one); membership's other attacks stay compared
MACHINE_DEPENDENT_ATTACKS = frozenset({("privacy.membership", "lira", "none")})


def machine_dependent(row: dict[str, Any]) -> bool:
    return (row["task"], row["mitigation"]) in MACHINE_DEPENDENT or (
        row["task"],
        row["attack"],
        row["mitigation"],
    ) in MACHINE_DEPENDENT_ATTACKS


def same(got: Any, want: Any) -> bool:
    """Equal, floats within ``REL_TOL`` / ``ABS_TOL``, through dicts and lists."""
    if isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return math.isclose(got, want, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want, strict=True))
    return bool(got == want)
