"""Plots for the HTML report, drawn by matplotlib as inline SVG from metric rows alone.

A task gets a plot by putting plain data in ``MetricRow.details``; the report finds it by key.
Pillar engineers: use these keys and shapes (lists stay short: at most ~50 points).

- ``"reliability"``: list of bins ``{"low", "high", "count", "confidence", "accuracy"}``
  (``robustness.calibration``'s ECE rows) -> a reliability diagram (accuracy bars, the gap to
  mean confidence hatched, counts on top, and a caption saying where the samples sit); a list
  whose bins are all empty draws nothing.
- ``"roc"``: ``{"fpr": [...], "tpr": [...]}``, positive class as the task documents
  (``robustness.ood``'s AUROC rows; membership inference uses the same key) -> ROC curves, one
  line per row (labelled by ``details["detector"]`` or the metric) per attack x mitigation.
- attack budget: rows named ``accuracy`` whose attack labels carry ``eps=...``
  (``robustness.adversarial``), with the clean ``none`` row at budget 0, or any row with a
  numeric ``details["budget"]`` -> robust accuracy against budget, with 95% intervals.
- per-group breakdown: ``details["by_group"]`` = ``{group: {"value", "ci_low", "ci_high",
  "n"}}``, or separate rows whose metric is ``NAME[group=G]`` (one row per group, e.g.
  ``accuracy[group=A]``) -> bars with 95% intervals.
- ``"by_query"`` (retrieval skew per query), ``"by_category"`` (attack success per harm
  category) and ``"by_family"`` (mCE per ImageNet-C corruption family): the same
  ``{key: {"value", "ci_low", "ci_high", "n"}}`` shape -> horizontal bars.
- ``"curve"``: ``{"x": [...], "y": [...], "x_label": str, "y_label": str}``, optional
  ``"ci_low"``/``"ci_high"`` lists -> a line (e.g. red-team success against queries spent).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from vlmtrust.core.records import MetricRow

MAX_PLOTS_PER_TASK = 8
BREAKDOWN_KEYS = {
    "by_group": "per group",
    "by_query": "by query",
    "by_category": "by category",
    "by_family": "by corruption family",
}
_GROUP_METRIC = re.compile(r"^(?P<base>.+)\[group=(?P<group>[^\]]+)\]$")
_EPS = re.compile(r"eps=([0-9.]+(?:/[0-9.]+)?)")
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text: a tenth of the size of glyph paths
    "svg.hashsalt": "vlmtrust",  # deterministic element ids
    "text.parse_math": False,  # group names and labels are user text: `$...$` stays literal
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Plot:
    title: str
    svg: str


@dataclass(frozen=True)
class Pending:
    """A plot found in the rows but not drawn yet: drawing is the slow part, so only the plots
    under the cap are drawn."""

    title: str
    draw: Callable[[], str]


def task_plots(rows: Sequence[MetricRow]) -> tuple[list[Plot], int]:
    """The first plots (up to the cap) the rows of one task support, and how many more there
    were. Baseline rows (mitigation ``none``) come first within each kind."""
    ordered = sorted(rows, key=lambda r: r.mitigation != "none")
    pending = [
        *_reliability(ordered),
        *_roc(ordered),
        *_budget(ordered),
        *_breakdowns(ordered),
        *_group_metrics(ordered),
        *_curves(ordered),
    ]
    drawn = [Plot(p.title, p.draw()) for p in pending[:MAX_PLOTS_PER_TASK]]
    return drawn, max(0, len(pending) - MAX_PLOTS_PER_TASK)


def _where(row: MetricRow) -> str:
    return f"{row.model} · {row.attack} · mitigation {row.mitigation}"


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    # fixed margins (set in _figure) instead of bbox_inches="tight", which draws twice
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    # Inline SVG in HTML needs no namespace declarations; dropping them (and the metadata's
    # RDF namespaces) leaves the report without a single external URL.
    return _XMLNS.sub("", text)


def _figure(width: float = 4.0, height: float = 2.8, left: float = 0.15) -> tuple[Any, Any]:
    fig, ax = plt.subplots(figsize=(width, height))
    bottom = min(0.45, 0.5 / height)
    fig.subplots_adjust(left=left, right=0.97, bottom=bottom, top=1 - min(0.2, 0.15 / height))
    return fig, ax


def _reliability(rows: Iterable[MetricRow]) -> list[Pending]:
    def draw(bins: list[dict[str, Any]]) -> str:
        with plt.rc_context(_STYLE):
            fig, ax = _figure(3.2, 3.0, left=0.17)
            draw_reliability(ax, bins)
            return _svg(fig)

    return [
        Pending(
            f"reliability diagram: {row.metric} ({_where(row)}): "
            f"{reliability_summary(row.details['reliability'])}",
            partial(draw, row.details["reliability"]),
        )
        for row in rows
        if isinstance(row.details.get("reliability"), list) and _filled(row.details["reliability"])
    ]


def _filled(bins: list[Any]) -> list[dict[str, Any]]:
    """The bins holding samples (an all-empty diagram has nothing to draw, so is not drawn)."""
    return [
        b
        for b in bins
        if isinstance(b, dict)
        and b.get("count")
        and isinstance(b.get("accuracy"), int | float)
        and isinstance(b.get("confidence"), int | float)
    ]


def draw_reliability(ax: Any, bins: list[dict[str, Any]]) -> None:
    """Per filled bin, accuracy as a bar and the gap up (or down) to the bin's mean confidence
    as a hatched bar, labelled with the bin's sample count. The gap is what ECE weighs by each
    bin's share, so it has to be visible: all of an OOD split's samples sit in one bin with
    accuracy 0, where an accuracy bar alone is a zero-height bar on the axis (an empty plot)."""
    filled = _filled(bins)
    centres = [(b["low"] + b["high"]) / 2 for b in filled]
    widths = [b["high"] - b["low"] for b in filled]
    accuracy = [float(b["accuracy"]) for b in filled]
    confidence = [float(b["confidence"]) for b in filled]
    ax.bar(centres, accuracy, width=widths, color="#4c78a8", edgecolor="white", label="accuracy")
    ax.bar(
        centres,
        [c - a for a, c in zip(accuracy, confidence, strict=True)],
        bottom=accuracy,
        width=widths,
        color="#e4575640",
        edgecolor="#e45756",
        hatch="////",
        linewidth=0.6,
        label="gap to mean confidence",
    )
    rotate = len(filled) > 1  # neighbouring bins are 0.2 inch wide: counts upright collide
    for x, a, c, b in zip(centres, accuracy, confidence, filled, strict=True):
        ax.text(
            x,
            max(a, c) + 0.015,
            f"n={b['count']}",
            ha="center",
            va="bottom",
            fontsize=5.5,
            rotation=90 if rotate else 0,
            color="#333",
        )
    ax.plot([0, 1], [0, 1], "--", color="#888", linewidth=0.8, label="perfect calibration")
    ax.set(xlim=(0, 1), ylim=(0, 1.15), xlabel="confidence", ylabel="accuracy")
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.legend(loc="upper left", fontsize=6, frameon=False)


def reliability_summary(bins: list[dict[str, Any]]) -> str:
    """What the diagram shows, in words: where the samples sit and how far accuracy is from
    confidence there (the caption says it even where the bars are hard to read)."""
    filled = _filled(bins)
    total = sum(int(b["count"]) for b in filled)
    if len(filled) == 1:
        (b,) = filled
        text = (
            f"all {total} samples in one confidence bin ({b['low']:.2f}, {b['high']:.2f}]: "
            f"mean confidence {b['confidence']:.3f}, accuracy {b['accuracy']:.3f}"
        )
    else:
        text = f"{total} samples in {len(filled)} of {len(bins)} confidence bins"
    if all(b["accuracy"] == 0 for b in filled):
        text += "; no answer is right, so the gap is the whole confidence (ECE = mean confidence)"
    return text


def _roc(rows: Iterable[MetricRow]) -> list[Pending]:
    groups: dict[tuple[str, str, str], list[MetricRow]] = defaultdict(list)
    for row in rows:
        roc = row.details.get("roc")
        if isinstance(roc, dict) and roc.get("fpr") and roc.get("tpr"):
            groups[(row.model, row.mitigation, row.attack)].append(row)

    def draw(members: list[MetricRow]) -> str:
        with plt.rc_context(_STYLE):
            fig, ax = _figure(3.4, 3.0, left=0.17)
            for row in members:
                label = str(row.details.get("detector", row.metric))
                auc = "" if row.value is None else f" (AUC {row.value:.2f})"
                ax.plot(row.details["roc"]["fpr"], row.details["roc"]["tpr"], label=label + auc)
            ax.plot([0, 1], [0, 1], ":", color="#888")
            ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate", ylabel="TPR")
            ax.legend(loc="lower right", fontsize=6, frameon=False)
            return _svg(fig)

    return [
        Pending(f"ROC: {model} · {attack} · mitigation {mitigation}", partial(draw, members))
        for (model, mitigation, attack), members in groups.items()
    ]


def _budget_of(row: MetricRow) -> float | None:
    budget = row.details.get("budget")
    if isinstance(budget, int | float):
        return float(budget)
    match = _EPS.search(row.attack)
    return float(Fraction(match.group(1))) if match else None


Line = tuple[str, list[tuple[float, MetricRow]]]


def _budget(rows: Sequence[MetricRow]) -> list[Pending]:
    lines: dict[tuple[str, str, str], list[tuple[float, MetricRow]]] = defaultdict(list)
    clean: dict[tuple[str, str], MetricRow] = {}
    for row in rows:
        if row.metric != "accuracy":
            continue
        if row.attack == "none":
            clean[(row.model, row.mitigation)] = row
            continue
        budget = _budget_of(row)
        if budget is not None:
            family = _EPS.sub("", row.attack).replace("(,", "(").replace(",)", ")")
            lines[(row.model, row.mitigation, family)].append((budget, row))
    by_panel: dict[tuple[str, str], list[Line]] = {}
    for (model, mitigation, family), points in lines.items():
        base = clean.get((model, mitigation))
        if base is not None:
            points = [(0.0, base), *points]
        by_panel.setdefault((model, mitigation), []).append(
            (family, sorted(points, key=lambda p: p[0]))
        )

    def draw(families: list[Line]) -> str:
        with plt.rc_context(_STYLE):
            fig, ax = _figure()
            for family, points in families:
                xs = [p[0] * 255 for p in points]
                ys = [p[1].value if p[1].value is not None else float("nan") for p in points]
                lo = [_gap(p[1], low=True) for p in points]
                hi = [_gap(p[1], low=False) for p in points]
                ax.errorbar(
                    xs, ys, yerr=[lo, hi], marker="o", markersize=3, capsize=2, label=family
                )
            ax.set(ylim=(-0.02, 1.02), xlabel="budget ε (in 1/255)", ylabel="accuracy")
            ax.legend(fontsize=6, frameon=False)
            return _svg(fig)

    return [
        Pending(f"robust accuracy vs budget: {model} · {mitigation}", partial(draw, families))
        for (model, mitigation), families in by_panel.items()
    ]


def _gap(row: MetricRow, low: bool) -> float:
    if row.value is None:
        return 0.0
    end = row.ci_low if low else row.ci_high
    return 0.0 if end is None else abs(row.value - end)


def _bars(entries: dict[str, dict[str, Any]], horizontal: bool, n: int | None = None) -> str:
    """Bars with intervals, each labelled with its n (an entry's own, else the row's ``n``:
    older stores wrote breakdowns whose entries share the row's n)."""
    names = list(entries)[:40]
    values = [_num(entries[k].get("value")) for k in names]
    err = [
        [abs(v - _num(entries[k].get("ci_low"), v)) for k, v in zip(names, values, strict=True)],
        [abs(_num(entries[k].get("ci_high"), v) - v) for k, v in zip(names, values, strict=True)],
    ]
    labels = [f"{k} (n={_n(entries[k], n)})" for k in names]
    with plt.rc_context(_STYLE):
        if horizontal:
            left = min(0.6, 0.05 + 0.016 * max(len(label) for label in labels))
            fig, ax = _figure(4.2, 0.8 + 0.25 * len(names), left=left)
            ax.barh(labels, values, xerr=err, color="#72b7b2")  # no caps: markers are slow
            ax.invert_yaxis()
        else:
            fig, ax = _figure(max(3.0, 0.7 * len(names) + 1), 3.0)
            ax.bar(labels, values, yerr=err, color="#72b7b2")
            ax.tick_params(axis="x", labelrotation=30)
        return _svg(fig)


def _n(entry: dict[str, Any], fallback: int | None) -> str:
    own = entry.get("n")
    if isinstance(own, int):
        return str(own)
    return "?" if fallback is None else str(fallback)


def _num(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, int | float) else default


def _breakdowns(rows: Iterable[MetricRow]) -> list[Pending]:
    pending = []
    for row in rows:
        for key, what in BREAKDOWN_KEYS.items():
            entries = row.details.get(key)
            if isinstance(entries, dict) and entries:
                pending.append(
                    Pending(
                        f"{row.metric} {what}: {_where(row)}",
                        partial(
                            _bars,
                            entries,
                            key != "by_group",
                            row.n if key == "by_query" else None,
                        ),
                    )
                )
    return pending


def _group_metrics(rows: Iterable[MetricRow]) -> list[Pending]:
    panels: dict[tuple[str, str, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        match = _GROUP_METRIC.match(row.metric)
        if match:
            key = (row.model, row.mitigation, row.attack, match["base"])
            fields = {"value", "ci_low", "ci_high", "n"}
            panels[key][match["group"]] = row.model_dump(include=fields)
    return [
        Pending(
            f"{base} per group: {model} · {attack} · mitigation {mitigation}",
            partial(_bars, groups, False),
        )
        for (model, mitigation, attack, base), groups in panels.items()
    ]


def _curves(rows: Iterable[MetricRow]) -> list[Pending]:
    def draw(curve: dict[str, Any]) -> str:
        with plt.rc_context(_STYLE):
            fig, ax = _figure()
            ax.plot(curve["x"], curve["y"], marker="o", markersize=3)
            if curve.get("ci_low") and curve.get("ci_high"):
                ax.fill_between(curve["x"], curve["ci_low"], curve["ci_high"], alpha=0.25)
            ax.set(xlabel=str(curve.get("x_label", "x")), ylabel=str(curve.get("y_label", "y")))
            return _svg(fig)

    return [
        Pending(f"{row.metric}: {_where(row)}", partial(draw, row.details["curve"]))
        for row in rows
        if isinstance(row.details.get("curve"), dict)
        and row.details["curve"].get("x")
        and row.details["curve"].get("y")
    ]


def trend_plot(
    xs: Sequence[int],
    lines: Sequence[
        tuple[str, Sequence[float | None], Sequence[float | None], Sequence[float | None]]
    ],
    metric: str,
) -> str:
    """One line per condition across runs (``xs``: run numbers), with 95% intervals as error
    bars; a run without the row leaves a gap."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure(width=5.0, height=2.8, left=0.12)
        for label, values, lows, highs in lines:
            ys = [float("nan") if v is None else v for v in values]
            below = [
                0.0 if v is None or lo is None else v - lo
                for v, lo in zip(values, lows, strict=True)
            ]
            above = [
                0.0 if v is None or hi is None else hi - v
                for v, hi in zip(values, highs, strict=True)
            ]
            ax.errorbar(xs, ys, yerr=[below, above], marker="o", capsize=3, label=label)
        ax.set_xticks(list(xs), [f"#{x}" for x in xs])
        ax.set_xlabel("run")
        ax.set_ylabel(metric)
        if len(lines) > 1:
            ax.legend(fontsize=7, frameon=False)
        return _svg(fig)


def _reach(value: float, low: float | None, high: float | None) -> tuple[float, float]:
    """How far an interval reaches below and above its value (0 where it has no end)."""
    return (0.0 if low is None else value - low, 0.0 if high is None else high - value)
