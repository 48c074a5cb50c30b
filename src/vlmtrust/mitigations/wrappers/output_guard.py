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
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from typing import Any

from PIL import Image
from pydantic import Field

from vlmtrust.core.spec import Params
from vlmtrust.data.world import prompts
from vlmtrust.mitigations.base import WrappedModel, Wrapper

NEUTRAL = "i cannot give that answer. please ask again."
#: a clause and the punctuation that ends it
_PIECE = re.compile(r"[^.,;:!?\n]+[.,;:!?\n]*")


class OutputGuardParams(Params):
    block_at: float = Field(
        default=0.5, ge=0.0, le=1.0, description="P(harmful) of an answer that replaces it"
    )
    refusal: str = Field(default=prompts.REFUSAL, description="replaces a harmful answer")
    neutral: str = Field(default=NEUTRAL, description="replaces a toxic answer with no clean part")


class OutputGuard(Wrapper):
    Params = OutputGuardParams
    params: OutputGuardParams
    requires = ("Generator",)

    def wrap(self, model: Any) -> OutputGuarded:
        return OutputGuarded(model, self.params)


class OutputGuarded(WrappedModel):
    def __init__(self, inner: Any, params: OutputGuardParams) -> None:
        super().__init__(inner)
        self.params = params
        self.rewrites: deque[tuple[str, str, str]] = deque(maxlen=10_000)

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        return self.screen(list(self.inner.generate(images, prompts)))

    def screen(self, answers: Sequence[str]) -> list[str]:
        """Each answer as the user should see it."""
        from vlmtrust.scorers.text_safety import harmful_probability
        from vlmtrust.scorers.toxicity import ToxicityJudge

        judge = ToxicityJudge()
        harmful = harmful_probability(list(answers))
        verdicts = judge.verdicts(list(answers))
        out = []
        for answer, p, verdict in zip(answers, harmful, verdicts, strict=True):
            final, why = answer, ""
            if p >= self.params.block_at:
                final, why = self.params.refusal, f"harmful P={p:.2f}"
            elif verdict.toxic:
                final, why = self._detoxify(answer, judge), verdict.reason
            if final != answer:
                self.rewrites.append((answer, final, why))
            out.append(final)
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
