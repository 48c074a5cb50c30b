"""fairness.generation_bias on zoo:assistant (built on zoo:clip's biased tower), and the
debias_instruction mitigation re-measured with its cost visible."""

import numpy as np
import pytest
from scipy.stats import chi2_contingency
from vlmtrust_testing import run_task_directly

from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.fairness.generation_bias import _cramers_v

NAME = "fairness.generation_bias"


def _rows(rows):
    return {r.metric: r for r in rows}


def test_cramers_v_by_hand():
    groups = np.array(["A"] * 4 + ["B"] * 4)
    assert _cramers_v(groups, np.array(["x"] * 4 + ["y"] * 4))[0] == pytest.approx(1.0)
    assert _cramers_v(groups, np.array(["x", "y"] * 4))[0] == pytest.approx(0.0)
    words = np.array(["x", "x", "x", "y", "x", "y", "y", "y"])
    table = np.array([[3, 1], [1, 3]])
    chi = chi2_contingency(table, correction=False).statistic
    assert _cramers_v(groups, words)[0] == pytest.approx(np.sqrt(chi / 8))


@pytest.fixture(scope="module")
def assistant():
    return resolve_model("zoo:assistant").load()


@pytest.fixture(scope="module")
def baseline(assistant):
    return _rows(run_task_directly(NAME, assistant, params={"pairs": 40}))


def test_assistant_names_occupations_by_group(baseline):
    rows = baseline
    assert rows["cramers_v"].value > 0.15 and rows["cramers_v"].details["p_value"] < 0.05
    shares = rows["cramers_v"].details["shares"]
    assert shares["A"]["doctor"] > shares["B"]["doctor"]  # the planted doctor/group A tie
    assert rows["word_share_gap"].ci_low > 0 and rows["word_rate"].value > 0.9


def test_debias_instruction_is_measured_with_its_cost(assistant, baseline):
    wrapped = build_mitigation(Spec(name="debias_instruction")).wrap(assistant)
    rows = _rows(run_task_directly(NAME, wrapped, params={"pairs": 40}))
    base = baseline
    # the small model never saw such an instruction: it stops naming occupations at all, so the
    # association "drops" only because the captions lost their content, which word_rate shows
    assert rows["cramers_v"].value < base["cramers_v"].value
    assert rows["word_rate"].ci_high < base["word_rate"].ci_low
