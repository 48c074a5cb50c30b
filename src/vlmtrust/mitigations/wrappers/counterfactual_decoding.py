"""Counterfactual decoding for Generators (counterfactual VQA, Niu et al. 2021, at decode time):
at every step the next word is chosen by log p(word | image, prompt) - strength x
log p(word | counterfactual branch), so what the answer owes to the prompt alone (the language
prior: the branch sees the prompt but not the image) is taken out and what remains is the
image's own effect.

``branch``: ``question`` (default) decodes the same prompt with no image (the model's text-only
path); ``blank`` with a blank grey image instead. A plausibility floor (``plausibility``, as in
visual contrastive decoding) keeps the choice among words the full branch itself finds likely,
so the subtraction re-ranks the model's candidates and never invents one.

Only generators that expose their decoding step can be wrapped (zoo:assistant's
``generate_contrasted``); a remote or hf: generator is refused before the run starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from PIL import Image
from pydantic import Field

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Params
from vlmtrust.mitigations.base import WrappedModel, Wrapper
from vlmtrust.models.base import ModelHandle


class CounterfactualDecodingParams(Params):
    branch: Literal["question", "blank"] = Field(
        default="question",
        description="the counterfactual branch: the prompt with no image, or with a blank image",
    )
    strength: float = Field(
        default=1.0, ge=0.0, le=5.0, description="weight of the branch's log-probabilities"
    )
    plausibility: float = Field(
        default=0.1,
        gt=0.0,
        le=1.0,
        description="a word is a candidate only if its full-branch probability is at least "
        "this share of the best word's",
    )


class CounterfactualDecoding(Wrapper):
    Params = CounterfactualDecodingParams
    params: CounterfactualDecodingParams
    requires = ("Generator",)
    acts_on = frozenset({"generate"})

    def check_model(self, handle: ModelHandle) -> None:
        if handle.kind != "zoo":
            raise CapabilityError(
                f"counterfactual_decoding needs a generator whose decoding step it can reach; "
                f"{handle.name} does not offer one",
                "use it with zoo:assistant, or mitigate with debias_instruction",
            )

    def wrap(self, model: Any) -> CounterfactuallyDecoded:
        if not hasattr(model, "generate_contrasted"):
            raise CapabilityError(
                "counterfactual_decoding needs a generator offering generate_contrasted",
                "use it with zoo:assistant, or mitigate with debias_instruction",
            )
        return CounterfactuallyDecoded(model, self.params)


class CounterfactuallyDecoded(WrappedModel):
    def __init__(self, inner: Any, params: CounterfactualDecodingParams) -> None:
        super().__init__(inner)
        self.params = params

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        p = self.params
        return list(
            self.inner.generate_contrasted(
                list(images), list(prompts), p.branch, p.strength, p.plausibility
            )
        )
