"""``knowledge_sanitization``: fine-tune the assistant to answer questions about memorised
identities with a safe refusal (knowledge sanitization, Ishibashi & Shimodaira 2023), mixed into
replayed normal data so the rest of its knowledge stays.

The identities come from the zoo's canary list (members and non-members alike: the model must
not learn "refuse exactly the people you memorised", which would itself leak membership).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.assistant_finetune import (
    AssistantFinetune,
    AssistantFinetuneParams,
)


class KnowledgeSanitizationParams(AssistantFinetuneParams):
    #: copies of each identity question in the fine-tuning data
    repeats: int = 20


class KnowledgeSanitization(AssistantFinetune):
    Params: ClassVar[type[Params]] = KnowledgeSanitizationParams

    def target_examples(self) -> Sequence[Any]:
        from vlmtrust.data.instructions import Example
        from vlmtrust.data.world import canaries, prompts

        params = self.params
        assert isinstance(params, KnowledgeSanitizationParams)
        return [
            Example("sanitize", None, ask, prompts.REFUSAL)
            for canary in canaries.canaries()
            for ask in canary.prompts()
            for _ in range(params.repeats)
        ]
