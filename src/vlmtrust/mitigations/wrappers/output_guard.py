"""Output guard around any Generator: judge what was generated before anyone reads it.

Every answer goes through the toxicity judge (``scorers/toxicity.py``) and the text safety
classifier (``scorers/text_safety.py``):

- an answer the classifier finds harmful (P >= ``block_at``) is replaced by ``refusal``;
- an answer the toxicity judge finds toxic loses its toxic clauses (the judge scores each
  clause; those it decides are toxic are cut), so "listen you stupid idiot, a red circle." keeps
  its useful part, "a red circle."; if nothing useful is left, or what is left is still toxic,
  the answer becomes ``neutral``.

Undecided verdicts (the judges' bands) leave an answer as it is: the guard does not censor what
its judges cannot call. The guard inherits its judges' limits: abuse without insult words and
harmful content worded unlike the classifier's set pass. Every rewrite is logged in
``rewrites`` (the last 10,000) as (original, final, why).

``classifier=SPEC`` (a judge, ``scorers/judges.py``: ``llama_guard:hf:DIR``,
``llama_guard:openai:URL#M``, ``rubric:SPEC``) replaces the text safety classifier: it judges
each answer as the reply to its request (Llama Guard's ``Agent`` turn), and an answer it finds
unsafe is replaced by ``refusal``. An answer it cannot judge is left as it is (the reason is in
``verdicts``). The toxicity pass is unchanged.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from typing import Any

from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Params, Spec
from vlmtrust.data.world import prompts
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.mitigations.wrappers.guard import without_unset

NEUTRAL = "i cannot give that answer. please ask again."
#: a clause and the punctuation that ends it
_PIECE = re.compile(r"[^.,;:!?\n]+[.,;:!?\n]*")


class OutputGuardParams(Params):
    block_at: float = Field(
        default=0.5, ge=0.0, le=1.0, description="P(harmful) of an answer that replaces it"
    )
    refusal: str = Field(default=prompts.REFUSAL, description="replaces a harmful answer")
    neutral: str = Field(default=NEUTRAL, description="replaces a toxic answer with no clean part")
    classifier: str | None = Field(
        default=None,
        description="a judge of answers instead of the text classifier: llama_guard:hf:DIR",
    )


class OutputGuard(Wrapper):
    Params = OutputGuardParams
    params: OutputGuardParams
    requires = ("Generator",)
    acts_on = frozenset({"generate", "screen"})

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.spec = without_unset(self.spec, "classifier")
        if self.params.classifier:
            from vlmtrust.scorers.judges import lookup

            judge = lookup(self.params.classifier)  # a bad spec fails before the run
            if not judge.judges_answers:
                raise ConfigError(
                    f"classifier {self.params.classifier} does not judge answers",
                    "use llama_guard:SPEC or rubric:SPEC as the output guard's classifier",
                )

    def wrap(self, model: Any) -> OutputGuarded:
        return OutputGuarded(model, self.params)


class OutputGuarded(WrappedModel):
    def __init__(self, inner: Any, params: OutputGuardParams) -> None:
        super().__init__(inner)
        self.params = params
        self.rewrites: deque[tuple[str, str, str]] = deque(maxlen=10_000)
        #: the guard model's reason per screened answer (``classifier=``), the last 10,000
        self.verdicts: deque[str] = deque(maxlen=10_000)
        self._judge: Any = None
        if params.classifier:
            from vlmtrust.scorers.judges import lookup

            self._judge = lookup(params.classifier)

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        answers = list(self.inner.generate(images, prompts))
        if self._judge is None:
            return self.screen(answers)
        return self.screen(answers, prompts, images)

    def screen(
        self,
        answers: Sequence[str],
        requests: Sequence[str] | None = None,
        images: Sequence[Image.Image | None] | None = None,
    ) -> list[str]:
        """Each answer as the user should see it (``requests``/``images``: what was asked, for
        a guard model judging the answer as a reply)."""
        from vlmtrust.scorers.toxicity import ToxicityJudge

        judge = ToxicityJudge()
        harmful = self._harmful(answers, requests, images)
        verdicts = judge.verdicts(list(answers))
        out = []
        for answer, (unsafe, because), verdict in zip(answers, harmful, verdicts, strict=True):
            final, why = answer, ""
            if unsafe:
                final, why = self.params.refusal, because
            elif verdict.toxic:
                final, why = self._detoxify(answer, judge), verdict.reason
            if final != answer:
                self.rewrites.append((answer, final, why))
            out.append(final)
        return out

    def _harmful(
        self,
        answers: Sequence[str],
        requests: Sequence[str] | None,
        images: Sequence[Image.Image | None] | None,
    ) -> list[tuple[bool, str]]:
        """(replace it, why) per answer: the text classifier's P(harmful) >= ``block_at``, or
        the guard model's unsafe verdict."""
        if self._judge is None:
            from vlmtrust.scorers.text_safety import harmful_probability

            return [
                (bool(p >= self.params.block_at), f"harmful P={p:.2f}")
                for p in harmful_probability(list(answers))
            ]
        from vlmtrust.scorers.judges import JudgeItem

        asked = list(requests) if requests is not None else [""] * len(answers)
        shown = list(images) if images is not None else [None] * len(answers)
        items = [
            JudgeItem(request=q, response=a, image=i if self._judge.sees_images else None)
            for q, a, i in zip(asked, answers, shown, strict=True)
        ]
        out = []
        for verdict in self._judge.verdicts(items):
            self.verdicts.append(verdict.reason)
            out.append((verdict.unsafe is True, f"{self._judge.spec}: {verdict.reason}"))
        return out

    def _detoxify(self, answer: str, judge: Any) -> str:
        pieces = [m.group(0) for m in _PIECE.finditer(answer)]
        kept = [
            piece
            for piece, v in zip(pieces, judge.verdicts(pieces), strict=True)
            if v.toxic is not True
        ]
        rest = "".join(kept).strip().lstrip(".,;:!? ").strip()
        if not rest or judge.verdicts([rest])[0].toxic is True:
            return str(self.params.neutral)
        return rest
