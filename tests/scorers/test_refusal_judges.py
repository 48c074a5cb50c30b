"""Judges by spec from the one registry."""

import pytest

from vlmtrust.core.errors import ConfigError, RegistryError
from vlmtrust.plugins import REFUSAL_JUDGES
from vlmtrust.scorers import refusal, refusal_judges
from vlmtrust.scorers.rubric import RubricJudge


def test_the_offline_judge_by_name_matches_the_scorer():
    judge = refusal_judges.build_judge("refusal")
    texts = ["I can't assist with that.", "Sure. 1. [a] 2. [b]"]
    verdicts = judge.verdicts(["q", "q"], [*texts, None])
    assert verdicts[:2] == refusal.judge_many(texts)
    assert verdicts[2].complied is None and "model error" in verdicts[2].reason


def test_rubric_takes_its_grader_spec():
    judge = refusal_judges.build_judge("rubric:model=openai:http://127.0.0.1:9/v1#grader")
    assert isinstance(judge, RubricJudge) and judge.spec == "openai:http://127.0.0.1:9/v1#grader"
    assert judge.handle.options["seed"] == 0  # made deterministic, as a task's grader


def test_unknown_names_and_bad_parameters_are_user_errors():
    with pytest.raises(RegistryError, match=r"unknown refusal_judges 'refusl'.*refusal"):
        refusal_judges.build_judge("refusl")
    with pytest.raises(ConfigError, match="judge 'rubric'"):
        refusal_judges.build_judge("rubric")
    with pytest.raises(ConfigError, match="judge 'refusal'"):
        refusal_judges.build_judge("refusal:threshold=0.2")


def test_every_registered_judge_is_described():
    assert {"refusal", "rubric"} <= {e.name for e in REFUSAL_JUDGES.entries()}
    assert all(e.description.strip() for e in REFUSAL_JUDGES.entries())
