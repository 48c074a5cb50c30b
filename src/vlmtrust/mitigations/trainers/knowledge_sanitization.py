"""``knowledge_sanitization``: fine-tune a generator to answer questions about what it should
not tell with a safe refusal (knowledge sanitization, Ishibashi & Shimodaira 2023), mixed into
replayed normal data so the rest of its knowledge stays.

On zoo organisms (default) the questions are the zoo's canary identities (members and
non-members alike: the model must not learn "refuse exactly the people you memorised", which
would itself leak membership), replayed into world data. With ``train_data=PATH`` (required on
``hf:`` models, tuned as LoRA adapters) the questions are the user's: every row has a
``prompt`` (an image too where the folder has one) and a ``forget`` column; ``forget`` rows are
taught the refusal, the others keep the base model's own greedy answer (self-distilled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field

from vlmtrust.core.errors import DataError
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.trainers.training.assistant_finetune import (
    AssistantFinetune,
    AssistantFinetuneParams,
)
from vlmtrust.mitigations.trainers.training.self_distill import (
    REFUSAL,
    LoraParams,
    flag,
    image_of,
    own_answers,
)
from vlmtrust.mitigations.trainers.training.train_data import (
    TrainDataParams,
    samples_fingerprint,
    train_samples,
)
from vlmtrust.models.base import ModelHandle

NAME = "knowledge_sanitization"
#: what each train_data row needs
COLUMNS = ("prompt", "forget")


class KnowledgeSanitizationParams(AssistantFinetuneParams, LoraParams, TrainDataParams):
    repeats: int = Field(
        default=20, ge=1, description="copies of each question to forget in the training data"
    )
    refusal: str | None = Field(
        default=None,
        min_length=1,
        description="the refusal taught (default: the world's on zoo models, a sentence on hf:)",
    )


class KnowledgeSanitization(AssistantFinetune):
    Params: ClassVar[type[Params]] = KnowledgeSanitizationParams
    params: KnowledgeSanitizationParams
    #: the train_data rows, read once per trainer (the check and the key both need them)
    _rows: list[Sample] | None = None

    train_images: ClassVar[bool] = False

    def train_columns(self) -> tuple[str, ...]:
        return COLUMNS

    def check_model(self, handle: ModelHandle) -> None:
        super().check_model(handle)  # train_data required outside the zoo, COLUMNS in its rows
        if self.params.train_data is not None:
            self._split()  # every forget value readable, something to forget

    def data_fingerprint(self) -> str:
        if self.params.train_data is None:
            return ""
        return samples_fingerprint(self._samples(), COLUMNS)

    def target_examples(self) -> Sequence[Any]:
        from vlmtrust.data.instructions import Example
        from vlmtrust.data.world import canaries, prompts

        return [
            Example("sanitize", None, ask, self.params.refusal or prompts.REFUSAL)
            for canary in canaries.canaries()
            for ask in canary.prompts()
            for _ in range(self.params.repeats)
        ]

    def training_rows(self, model: Any) -> tuple[list[Any], int]:
        """With ``train_data``: its forget rows with the refusal (``repeats`` times each), and
        its other rows with the base model's own answers (an empty answer is left out)."""
        from vlmtrust.data.instructions import Example
        from vlmtrust.data.world import prompts

        params = self.params
        if params.train_data is None:
            return super().training_rows(model)
        zoo = model.handle.kind == "zoo"
        refusal = params.refusal or (prompts.REFUSAL if zoo else REFUSAL)
        forget, keep = self._split()
        targets = [
            Example("sanitize", image_of(s), s.prompt or "", refusal)
            for s in forget
            for _ in range(params.repeats)
        ]
        asked = [(image_of(s), s.prompt or "") for s in keep]
        answers = own_answers(model, asked, params.batch_size)
        kept = [
            Example("replay", image, prompt, answer)
            for (image, prompt), answer in zip(asked, answers, strict=True)
            if answer.strip()
        ]
        return [*kept, *targets], len(targets)

    def _samples(self) -> list[Sample]:
        assert self.params.train_data is not None
        if self._rows is None:
            self._rows = train_samples(self.params.train_data, NAME, COLUMNS, images=False)
        return self._rows

    def _split(self) -> tuple[list[Sample], list[Sample]]:
        """(rows to forget, rows to keep); a one-line DataError when nothing is to be forgotten."""
        path = self.params.train_data
        assert path is not None
        rows = self._samples()
        forgotten = [flag(s, "forget", path, NAME) for s in rows]
        if not any(forgotten):
            raise DataError(
                f"train_data {path} has no row with forget=true: {NAME} has nothing to teach",
                "mark the prompts whose answers the model must forget with forget=true",
            )
        forget = [s for s, f in zip(rows, forgotten, strict=True) if f]
        return forget, [s for s, f in zip(rows, forgotten, strict=True) if not f]
