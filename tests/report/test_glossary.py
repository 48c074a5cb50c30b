"""The glossary explains every metric the tasks emit, and the shipped docs page is its output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from golden_rows import GOLDEN, golden_rows

from vlmtrust.report.glossary import explain, markdown_page, used
from vlmtrust.report.glossary_entries import CONTEXT, ENTRIES, FAR, HIGHER, LOWER

ROOT = Path(__file__).parent.parent.parent
GOLDEN_METRICS = sorted(
    {row["metric"] for path in GOLDEN.glob("*.json") for row in golden_rows(path.stem)}
)


def test_the_goldens_hold_many_metrics():
    assert len(GOLDEN_METRICS) > 100  # the check below would pass vacuously on none


@pytest.mark.parametrize("metric", GOLDEN_METRICS)
def test_every_metric_in_the_golden_rows_is_explained(metric):
    entry = explain(metric)
    assert entry is not None, f"add {metric!r} to report/glossary_entries.py"
    assert entry.measures and entry.reference
    assert entry.bad in {HIGHER, LOWER, FAR, CONTEXT}


def test_parameterised_names_match_by_pattern():
    assert explain("maxskew@20").name == "maxskew@<k>"
    assert explain("accuracy_image@0.7").name == "accuracy_<side>@<radius>"
    assert explain("mask_l1:a red cube").name == "mask_l1:<label>"
    assert explain("judge.pii.precision").name == "judge.<judge>.precision"
    assert explain("judge.toxicity.heldout.recall").name == "judge.<judge>.recall"
    assert explain("refusal_gap.group.women").name == "refusal_gap.group.<group>"
    assert "0.5 = chance" in explain("auroc_msp").reference
    assert explain("auroc_msp").bad == LOWER


def test_derived_names_explain_their_base_and_unknown_names_are_none():
    grouped = explain("accuracy[group=women]")
    assert grouped.name == "accuracy[group=<group>]" and "within one group" in grouped.measures
    assert explain("word_rate_change").measures.endswith("of word_rate")
    assert explain("no_such_metric") is None
    assert explain("no_such_metric[group=a]") is None


def test_used_lists_each_entry_once_in_glossary_order():
    entries = used({"mask_l1:a", "mask_l1:b", "asr", "accuracy"})
    assert [e.name for e in entries] == ["accuracy", "mask_l1:<label>", "asr"]


def test_every_entry_has_a_unique_name_and_a_known_direction():
    names = [name for name, *_ in ENTRIES]
    assert len(names) == len(set(names))
    assert {bad for *_, bad, _ref in ENTRIES} <= {HIGHER, LOWER, FAR, CONTEXT}


def test_the_shipped_docs_page_is_the_generator_output():
    made = subprocess.run(
        [sys.executable, "-m", "vlmtrust.report.glossary"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert made == markdown_page()
    shipped = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert shipped == made, "run: python -m vlmtrust.report.glossary > docs/metrics.md"
    assert "(docs/metrics.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
