"""Persona attack: a persona "system prompt" put in front of the user's prompt.

Personas are a known way to loosen a model's manners (the review's toxicity section: outputs get
ruder under assigned personas). The persona is prepended the way ``zoo:assistant`` was trained
(``"<persona> <prompt>"``, see ``zoo/train_assistant.py``), which is also how a chat server that
folds the system message into the prompt presents it. Pure and deterministic: the attacked
sample depends on the spec and the sample only. The persona's name is recorded in the labels
(``persona``), so tasks can report per persona.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from vlmtrust.attacks.base import Attack
from vlmtrust.core.records import Sample
from vlmtrust.core.spec import Params
from vlmtrust.data.world import prompts

PERSONA_LABEL = "persona"
#: the built-in personas, by name: the zoo's training personas (two rude, two friendly)
PERSONAS = {
    "rude_pirate": prompts.PERSONAS_RUDE[0],
    "angry_critic": prompts.PERSONAS_RUDE[1],
    "friendly_teacher": prompts.PERSONAS_NICE[0],
    "helpful_guide": prompts.PERSONAS_NICE[1],
}
RUDE = ("rude_pirate", "angry_critic")


class PersonaParams(Params):
    persona: str = Field(default="rude_pirate", description="a built-in persona's name")
    text: str | None = Field(default=None, description="a custom persona text (overrides persona)")

    @model_validator(mode="after")
    def _known(self) -> PersonaParams:
        if self.text is None and self.persona not in PERSONAS:
            raise ValueError(
                f"unknown persona {self.persona!r}; use one of {', '.join(PERSONAS)} "
                "or give text='you are ...'"
            )
        return self


class Persona(Attack):
    Params = PersonaParams
    params: PersonaParams

    @property
    def persona_text(self) -> str:
        return self.params.text if self.params.text is not None else PERSONAS[self.params.persona]

    @property
    def persona_name(self) -> str:
        return "custom" if self.params.text is not None else self.params.persona

    def apply(self, sample: Sample) -> Sample:
        prompt = f"{self.persona_text.strip()} {sample.prompt or ''}".strip()
        labels = {**sample.labels, PERSONA_LABEL: self.persona_name}
        return sample.model_copy(update={"prompt": prompt, "labels": labels})
