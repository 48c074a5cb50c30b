"""Human in the loop: export the items a judge decided for people to check, import their labels
as a source of their own, and recompute the metrics from them.

``export_review`` writes one CSV row per (stored result, Score): the result key and metric
(which identify it on import), task, condition, variant, model, sample id, what the model
produced (``details["response"]``, else the judge's label), the judge's label and value, and
empty ``human_label`` / ``human_value`` columns. Most affected first: items the judge could not
decide, then those with the highest value (a flip, a success, a flag), so a reviewer's first
rows are where a wrong judgement would move a metric most. ``order="uncertainty"`` (active
learning) puts first the items the judge was least sure of, where a human label teaches most:
undecided items, then those whose stored judge probability lies closest to its judge's decision
threshold (``JUDGE_PROBABILITIES``), then fractional values closest to 0.5, then the plainly
decided rest in the affected order.

``import_review`` validates every filled row (known key and metric; ``human_value`` a number),
stores the labels in the ``human_labels`` table (the judges' scores stay untouched), then
re-aggregates every task of the run with human values in place of the judges' and replaces the
metric rows. Each recomputed row says which labels were human: ``details["label_source"] =
{"human": k, "judge": n - k}``. A row with only ``human_label`` records the label (kept in the
store, shown in ``details["judge_label"]``/``label``) without changing any value.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vlmtrust.core.errors import ConfigError, DataError, StoreError
from vlmtrust.core.outputs import check_output_file
from vlmtrust.core.records import MetricRow, Score
from vlmtrust.core.spec import Spec
from vlmtrust.data.table import csv_rows, read_utf8, spreadsheet_safe, unspreadsheet
from vlmtrust.store import HumanLabel, ResultStore, StoredResult

#: the columns import reads; the others are there for the reviewer
IMPORTED = ("key", "metric", "human_label", "human_value")
COLUMNS = (
    "key",
    "metric",
    "task",
    "attack",
    "mitigation",
    "model",
    "sample_id",
    "model_output",
    "judge_label",
    "judge_value",
    "human_label",
    "human_value",
)


def _toxicity_threshold() -> float:
    from vlmtrust.scorers.toxicity import threshold

    return threshold()


#: the judge probabilities a stored Score may carry in ``details``, with the threshold its judge
#: decides at (a judge that stores none is ranked by its value alone)
JUDGE_PROBABILITIES: dict[str, Callable[[], float]] = {"p_toxic": _toxicity_threshold}


def affected_first(score: Score) -> tuple[bool, float]:
    return (not score.unscorable, -(score.value or 0.0))


def uncertain_first(score: Score) -> tuple[int, float, bool, float]:
    """Sort key: tier (0 undecided, 1 a judge probability, 2 a fractional value, 3 a decided
    0/1 value), then the distance to the decision (threshold, or 0.5), then ``affected_first``."""
    if score.unscorable:
        return (0, 0.0, *affected_first(score))
    for key, threshold in JUDGE_PROBABILITIES.items():
        probability = score.details.get(key)
        if isinstance(probability, int | float):
            return (1, abs(float(probability) - threshold()), *affected_first(score))
    value = score.value
    if value is not None and 0.0 < value < 1.0:
        return (2, abs(value - 0.5), *affected_first(score))
    return (3, 0.0, *affected_first(score))


#: ``export_review``'s orders: affected (undecided, then the highest values, where a wrong
#: judgement moves a metric most) and uncertainty (undecided, then nearest the judge's decision
#: threshold, where a label teaches most: active learning)
ORDERS: dict[str, Callable[[Score], tuple[Any, ...]]] = {
    "affected": affected_first,
    "uncertainty": uncertain_first,
}


def _task_names(store: ResultStore) -> list[str]:
    header = store.latest_header()
    if header is None:
        raise StoreError("the run has no complete scan", "finish `vlmtrust scan` first")
    return list(dict.fromkeys(str(t["name"]) for t in header["tasks"]))


def export_review(
    run_dir: Path,
    out: Path,
    task: str | None = None,
    limit: int = 200,
    order: str = "affected",
) -> int:
    """Write the review CSV, ``order`` first; returns how many items it holds."""
    if order not in ORDERS:
        raise ConfigError(f"unknown review order {order!r}", f"use one of {', '.join(ORDERS)}")
    check_output_file(out, make_parents=False)
    with ResultStore.open_existing(run_dir) as store:
        names = [task] if task else _task_names(store)
        items: list[tuple[StoredResult, Score]] = [
            (result, score)
            for name in names
            for result in store.results_of(name)
            for score in result.scores
        ]
    if not items:
        raise DataError(f"no stored results to review in {run_dir}", "scan first, or pick --task")
    rank = ORDERS[order]
    items.sort(key=lambda item: rank(item[1]))
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for result, score in items[:limit]:
            output = score.details.get("response", score.label)
            # model output and labels are untrusted text: a spreadsheet must not run them
            row = [
                result.key,
                score.metric,
                result.task,
                result.attack,
                result.mitigation,
                result.model,
                result.sample_id,
                "" if output is None else output,
                score.label or ("(unscorable) " + (score.reason or "") if score.unscorable else ""),
                "" if score.value is None else score.value,
                "",
                "",
            ]
            writer.writerow([spreadsheet_safe(cell) for cell in row])
    tmp.replace(out)  # nothing half-written under the final name
    return min(limit, len(items))


def import_review(review_csv: Path, run_dir: Path, reviewer: str = "human") -> list[MetricRow]:
    """Store the filled rows as human labels and return the recomputed metric rows."""
    labels = _read_labels(review_csv, reviewer)
    with ResultStore.open_existing(run_dir, mode="update") as store:
        names = _task_names(store)
        known = {
            (r.key, s.metric) for name in names for r in store.results_of(name) for s in r.scores
        }
        unknown = [h for h in labels if (h.key, h.metric) not in known]
        if unknown:
            raise DataError(
                f"{review_csv} names {len(unknown)} results this run does not hold "
                f"(first: key {unknown[0].key[:12]}..., metric {unknown[0].metric})",
                "import the file into the run it was exported from",
            )
        store.add_human_labels(labels)
        rows = recompute(store)
        store.replace_metrics(rows)
    return rows


def recompute(store: ResultStore) -> list[MetricRow]:
    """Every task of the run re-aggregated with human values in place of the judges'."""
    from vlmtrust.tasks.base import build_task

    header = store.latest_header()
    if header is None:
        raise StoreError("the run has no complete scan", "finish `vlmtrust scan` first")
    human = store.human_labels()
    rows: list[MetricRow] = []
    for spec in header["tasks"]:
        task = build_task(Spec.model_validate(spec))
        grouped: dict[tuple[str, str], dict[str, list[Score]]] = defaultdict(
            lambda: defaultdict(list)
        )
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for result in store.results_of(task.spec.name):
            for score in result.scores:
                label = human.get((result.key, score.metric))
                if label is not None:
                    score = _with_human(score, label)
                    counts[(result.model, result.mitigation)] += 1
                grouped[(result.model, result.mitigation)][result.attack].append(score)
        for (model, mitigation), by_attack in grouped.items():
            n = sum(len(v) for v in by_attack.values())
            k = counts[(model, mitigation)]
            for row in task.aggregate(by_attack, mitigation, model):
                source = {"human": k, "judge": n - k}
                rows.append(
                    row.model_copy(update={"details": {**row.details, "label_source": source}})
                )
    return rows


def _with_human(score: Score, label: HumanLabel) -> Score:
    details: dict[str, Any] = {
        **score.details,
        "label_source": "human",
        "judge_label": score.label,
        "judge_value": score.value,
        "reviewer": label.reviewer,
    }
    if label.value is None:
        return score.model_copy(update={"details": details, "label": label.label or score.label})
    return Score(
        sample_id=score.sample_id,
        metric=score.metric,
        value=label.value,
        label=label.label or score.label,
        reason=score.reason,
        details=details,
    )


def _read_labels(review_csv: Path, reviewer: str) -> list[HumanLabel]:
    if not review_csv.is_file():
        raise DataError(f"review file {review_csv} does not exist", "pass the CSV you exported")
    labels: list[HumanLabel] = []
    fix = "export with `vlmtrust review export` and fill human_label/human_value"
    lines = io.StringIO(read_utf8(review_csv), newline="")
    for line, row in csv_rows(lines, review_csv, fix, required=IMPORTED):
        text, number = (
            (row.get("human_label") or "").strip(),
            (row.get("human_value") or "").strip(),
        )
        if not text and not number:
            continue
        value = None
        if number:
            try:
                value = float(number)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise DataError(
                    f"{review_csv} line {line}: human_value {number!r} is not a number",
                    "write a number (0 or 1 for a yes/no judgement) or leave it empty",
                )
        labels.append(
            HumanLabel(
                key=unspreadsheet(row["key"] or ""),
                metric=unspreadsheet(row["metric"] or ""),
                label=text or None,
                value=value,
                reviewer=reviewer,
            )
        )
    if not labels:
        raise DataError(f"{review_csv} has no filled human_label or human_value", "fill some rows")
    return labels
