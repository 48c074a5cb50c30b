"""Bias in the data itself, before any model: the review traces much model bias to this.

On a user's dataset (--data) or, without one, on data drawn like zoo:clip's training people
scenes (``world=planted``: the planted occupation/group correlation; ``world=fair``: 50/50):

- ``group_share``: the largest group's share of the images (Wilson); every group's share in
  ``details["by_group"]``, and the share of captions naming each group (``caption_mentions``).
- ``cooccurrence_gap``: per occupation (``label``), the first group's share among its images
  against the balanced reference 1/(number of groups); the row is the occupation furthest from
  it (signed gap, Newcombe interval), all of them in ``details["by_label"]``, with a chi-square
  test of independence of group and label (``details["chi2"]``, ``details["p_value"]``).
- ``flagged_vocabulary_rate``: share of captions/prompts using a term of the shipped, versioned
  lexicon of outdated group vocabulary (``data/lexicons/group_terms.json``; mild, documented
  terms with their recommended replacement), the terms found in ``details["terms"]``.

The model is not called: the audit reads labels, groups and captions only.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
from pydantic import Field
from scipy.stats import chi2_contingency

from vlmtrust.core.records import Sample, Score
from vlmtrust.core.spec import Params, Spec, sha256_hex
from vlmtrust.data.source import Scenes
from vlmtrust.metrics.declared import Declared, Stat, per_condition
from vlmtrust.metrics.declared_groups import proportion, summary
from vlmtrust.metrics.power import RATE_PER_GROUP, RATE_WHY
from vlmtrust.metrics.rates import Estimate, difference
from vlmtrust.tasks.base import DataContext, GroupMinimum, Task

METRIC = "audit"
#: gallery cards per condition: the flagged captions, an ungrouped sample, then label x group
#: cells (zoo:clip's world has 4 occupations x 2 groups)
GALLERY = 10
#: distinct flagged terms shown in the gallery, most used first
GALLERY_TERMS = 3


@cache
def lexicon() -> dict[str, Any]:
    """The shipped lexicon: name, version, and terms with their recommended replacement."""
    text = (resources.files("vlmtrust.data") / "lexicons" / "group_terms.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def terms_in(text: str) -> list[str]:
    lowered = text.lower()
    return [
        t["term"] for t in lexicon()["terms"] if re.search(rf"\b{re.escape(t['term'])}\b", lowered)
    ]


class DatasetAuditParams(Params):
    group: str = Field(default="group", description="the group attribute (Sample.groups key)")
    label: str = Field(default="occupation", description="label crossed with the group")
    caption: str = Field(default="caption", description="label holding the caption")
    group_words: dict[str, tuple[str, ...]] = Field(
        default={"A": ("group a",), "B": ("group b",)},
        description="words naming each group in captions",
    )
    world: Literal["planted", "fair"] = Field(
        default="planted", description="world data without --data: zoo:clip's recipe or 50/50"
    )
    n: int = Field(default=1000, ge=10, description="world scenes without --data")


class DatasetAudit(Task):
    Params = DatasetAuditParams
    params: DatasetAuditParams
    selection_params = frozenset({"n", "world"})
    #: a caption using a flagged term is what the gallery shows first
    failure_value = 1.0
    examples_per_condition = GALLERY

    def examples(self, scores: Mapping[str, Sequence[Score]]) -> list[tuple[str, str]]:
        """Distinct cards that show what the audit counted: a caption per flagged term, a
        sample the audit could not place (no group), then one image per label x group cell,
        the most skewed label's cells first. (Picking by failure tier, as other tasks do, ranked
        every unflagged caption, score 0, as a failure and flagged ones last, so three samples
        by hash alone came out: in the default world all three builders of group B, shown
        again under each mitigation variant.)"""
        return [
            (attack, sample_id)
            for attack, attacked in scores.items()
            for sample_id in gallery_picks(attacked, self.examples_per_condition)
        ]

    def minimum_per_group(self) -> tuple[GroupMinimum, ...]:
        """The co-occurrence gap is a group's share among each label's images."""
        label, rows = self.params.label, ("cooccurrence_gap",)
        return (GroupMinimum(RATE_PER_GROUP, label, RATE_WHY, source="labels", rows=rows),)

    def samples(self, ctx: DataContext) -> list[Sample]:
        """The run's source's people scenes: in the world, drawn with zoo:clip's planted
        occupation/group correlation or 50/50 (``world``); a user's dataset: all its samples."""
        request = Scenes(
            n=ctx.cap(self.params.n), family="people", occupation_groups=self.params.world
        )
        return ctx.samples(request)

    def conditions(self) -> list[Spec]:
        return [Spec(name="none")]

    def score(self, model: Any, samples: Sequence[Sample]) -> list[list[Score]]:
        p = self.params
        out: list[list[Score]] = []
        for sample in samples:
            caption = sample.labels.get(p.caption, sample.prompt)
            text = "" if caption is None else str(caption)
            found = terms_in(text)
            mentions = [
                g
                for g, words in p.group_words.items()
                if any(re.search(rf"\b{re.escape(w.lower())}\b", text.lower()) for w in words)
            ]
            label = sample.labels.get(p.label)
            out.append(
                [
                    Score(
                        sample_id=sample.id,
                        metric=METRIC,
                        value=float(bool(found)),
                        label=",".join(found) or None,
                        details={
                            "group": sample.groups.get(p.group),
                            "label": None if label is None else str(label),
                            "has_text": bool(text),
                            "terms": found,
                            "mentions": mentions,
                        },
                    )
                ]
            )
        return out

    def declared_metrics(self) -> tuple[Declared, ...]:
        return (per_condition(self._audit, unscorable=None),)

    def _audit(self, scores: Sequence[Score]) -> dict[str, Stat]:
        grouped = [s for s in scores if s.details.get("group") is not None]
        counts = Counter(str(s.details["group"]) for s in grouped)
        groups = sorted(counts)
        texts = [s for s in scores if s.details.get("has_text")]
        mentions = Counter(g for s in texts for g in s.details["mentions"])
        top = max(groups, key=lambda g: counts[g]) if groups else None
        out: dict[str, Stat] = {
            "group_share": (
                proportion(counts[top], len(grouped)) if top else Estimate(None, None, None, 0),
                {
                    "group": top,
                    "by_group": {g: summary(proportion(counts[g], len(grouped))) for g in groups},
                    "caption_mentions": {
                        g: summary(proportion(mentions[g], len(texts)))
                        for g in self.params.group_words
                    },
                    "n_without_group": len(scores) - len(grouped),
                },
            )
        }
        labelled = [s for s in grouped if s.details.get("label") is not None]
        labels = sorted({str(s.details["label"]) for s in labelled})
        if len(groups) >= 2 and labels:
            reference = 1.0 / len(groups)
            members = {lab: [s for s in labelled if s.details["label"] == lab] for lab in labels}
            table = np.array(
                [
                    [sum(s.details["group"] == g for s in m) for g in groups]
                    for m in members.values()
                ]
            ).astype(np.float64)
            observed = {
                lab: proportion(int(row[0]), len(members[lab]))
                for lab, row in zip(labels, table, strict=True)
            }
            gaps = {
                lab: difference(o, Estimate(reference, reference, reference, o.n))
                for lab, o in observed.items()
            }
            worst = max(labels, key=lambda lab: abs(gaps[lab].value or 0.0))
            chi = chi2_contingency(table) if table.shape[0] > 1 else None
            out["cooccurrence_gap"] = (
                gaps[worst],
                {
                    "label": worst,
                    "group": groups[0],
                    "reference": reference,
                    "by_label": {
                        lab: {**summary(o), "gap": gaps[lab].value} for lab, o in observed.items()
                    },
                    "chi2": None if chi is None else float(chi.statistic),
                    "p_value": None if chi is None else float(chi.pvalue),
                },
            )
        found = Counter(t for s in texts for t in s.details["terms"])
        terms = lexicon()["terms"]
        flagged = proportion(sum(int(s.value or 0) for s in texts), len(texts))
        out["flagged_vocabulary_rate"] = (
            flagged,
            {
                "terms": dict(found),
                "use_instead": {t["term"]: t["use_instead"] for t in terms if t["term"] in found},
                "lexicon_version": lexicon()["version"],
                "n_without_text": len(scores) - len(texts),
            },
        )
        return out


def gallery_picks(scores: Sequence[Score], limit: int = GALLERY) -> list[str]:
    """Sample ids for the gallery, each chosen by a hash of the id within its kind (so the
    pick is deterministic but not the first rows): see :meth:`DatasetAudit.examples`."""
    mine = sorted(
        (s for s in scores if s.metric == METRIC and not s.unscorable),
        key=lambda s: (sha256_hex(s.sample_id.encode()), s.sample_id),
    )
    picks: list[str] = []

    def add(score: Score | None) -> None:
        if score is not None and score.sample_id not in picks and len(picks) < limit:
            picks.append(score.sample_id)

    used = Counter(t for s in mine for t in s.details.get("terms", []))
    for term, _ in sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))[:GALLERY_TERMS]:
        add(next(s for s in mine if term in s.details.get("terms", [])))
    add(next((s for s in mine if s.details.get("group") is None), None))
    cells: dict[str, dict[str, list[Score]]] = defaultdict(lambda: defaultdict(list))
    for s in mine:
        if s.details.get("group") is not None:
            cells[str(s.details.get("label"))][str(s.details["group"])].append(s)
    groups = sorted({g for by_group in cells.values() for g in by_group})

    def skew(label: str) -> float:
        """Largest minus smallest group share among the label's samples."""
        sizes = [len(cells[label].get(g, [])) for g in groups]
        return (max(sizes) - min(sizes)) / sum(sizes)

    for label in sorted(cells, key=lambda lab: (-skew(lab), lab)):
        for group in sorted(cells[label]):
            add(cells[label][group][0])
    return picks
