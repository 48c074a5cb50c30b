"""Refused/complied judges by spec, from one registry (``plugins.REFUSAL_JUDGES``), so a command
(``vlmtrust judge eval``) can take ``refusal``, ``rubric:model=SPEC`` or any judge a plugin adds
without knowing its class. (Guard models judging whether content is unsafe are the other kind,
``plugins.JUDGES``, in ``scorers/judges.py``.)

A judge is anything with ``verdicts(requests, responses) -> list[Verdict]`` (``complied`` True,
False, or None with the reason); the registry maps a name to a factory taking the spec's
parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Protocol

from pydantic import Field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import parse_spec
from vlmtrust.scorers import refusal
from vlmtrust.scorers.refusal_structure import Verdict


class Judge(Protocol):
    def verdicts(
        self, requests: Sequence[str], responses: Sequence[str | None]
    ) -> list[Verdict]: ...


class RefusalJudge:
    """The offline judge (``scorers/refusal.py``); it reads the response only."""

    def verdicts(self, requests: Sequence[str], responses: Sequence[str | None]) -> list[Verdict]:
        texts = [r for r in responses if isinstance(r, str)]
        calls = iter(refusal.judge_many(texts))
        missing = Verdict(None, "no text response (model error)")
        return [next(calls) if isinstance(r, str) else missing for r in responses]


def refusal_judge() -> Judge:
    return RefusalJudge()


def rubric_judge(
    model: Annotated[
        str, Field(description="the grading Generator: openai:URL#MODEL, hf:DIR or zoo:NAME")
    ],
) -> Judge:
    from vlmtrust.scorers.rubric import RubricJudge

    return RubricJudge(model)


def build_judge(text: str) -> Judge:
    """``name`` or ``name:key=value,...`` -> a judge; unknown names and bad parameters are
    one-line errors."""
    from vlmtrust.plugins import REFUSAL_JUDGES

    spec = parse_spec(text)
    factory: Any = REFUSAL_JUDGES.get(spec.name)
    try:
        judge: Judge = factory(**spec.params)
    except TypeError as err:
        raise ConfigError(
            f"judge {spec.name!r} with parameters {sorted(spec.params)}: {err}",
            "e.g. --judge refusal, --judge rubric:model=openai:URL#MODEL",
        ) from None
    return judge
