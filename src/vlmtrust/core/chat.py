"""Conversations: the multi-turn call every Generator offers beside the single-turn one.

A conversation is a list of messages with roles and any number of images per message, plus
generation options. Models with a chat format of their own (``hf:`` chat templates, ``openai:``
servers) take it whole. A model that only knows one (image, prompt) call takes it flattened
(:func:`flatten`): the system texts, the earlier turns as ``user:``/``assistant:`` lines, then the
last user text, with the most recent image. A one-message conversation flattens to exactly its
text and image, so ``chat`` of one user turn answers what ``generate`` answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, model_validator

from vlmtrust.core.errors import ConfigError

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    """One turn: who speaks, the text, and the images shown with it (user turns only)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    role: Role
    text: str = ""
    images: tuple[Image.Image, ...] = ()

    @model_validator(mode="after")
    def _images_from_users(self) -> Message:
        if self.images and self.role != "user":
            raise ValueError(f"only user messages carry images, not {self.role} messages")
        return self


class GenerationOptions(BaseModel):
    """How to decode. ``max_tokens`` may shorten an answer below the model's own length setting
    (``None`` keeps it), never lengthen it: that setting is part of the model's spec and
    fingerprint. Temperature 0 is greedy, so a scan reproduces; a sampled answer is reproduced
    by ``seed``. A model that cannot sample (the zoo) decodes greedily."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int = 0
    #: the answer ends before the first of these (the stop text itself is not kept)
    stop: tuple[str, ...] = ()


Conversation = Sequence[Message]


@runtime_checkable
class Chat(Protocol):
    """A Generator with a multi-turn call of its own (``hf:``, ``openai:``, the zoo); any other
    Generator is answered through :func:`chat_with`, flattened."""

    def chat(
        self, conversations: Sequence[Conversation], options: GenerationOptions
    ) -> list[str]: ...


def check_conversation(messages: Conversation) -> None:
    """A conversation a model can answer: system messages first, then turns with at least one
    of the user's (it may end with an assistant turn: what a guard model judges); anything else
    is a ConfigError naming the problem (before any model call)."""
    if not messages:
        raise ConfigError("a conversation needs at least one message", "add a user message")
    roles = [m.role for m in messages]
    first_turn = next((i for i, r in enumerate(roles) if r != "system"), len(roles))
    if "system" in roles[first_turn:]:
        raise ConfigError(
            "a system message comes after a turn",
            "put system messages before the first user message",
        )
    if "user" not in roles:
        raise ConfigError("a conversation needs a user message", "add the user's turn")


def flatten(messages: Conversation) -> tuple[Image.Image | None, str]:
    """The (image, prompt) a single-turn model answers for a conversation (module docstring)."""
    check_conversation(messages)
    system = [m.text for m in messages if m.role == "system" and m.text]
    turns = [m for m in messages if m.role != "system"]
    earlier = [f"{m.role}: {m.text}" for m in turns[:-1]]
    last = turns[-1]
    alone = not earlier and last.role == "user"
    prompt = "\n".join([*system, *earlier, last.text if alone else f"{last.role}: {last.text}"])
    images = [image for m in turns for image in m.images]
    return (images[-1] if images else None), prompt


def until_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` cut before the first stop string it holds (all of it when none occurs)."""
    cuts = [text.find(s) for s in stop if s and s in text]
    return text[: min(cuts)] if cuts else text


def image_count(messages: Conversation) -> int:
    return sum(len(m.images) for m in messages)


def chat_by_flattening(
    generate: Callable[[Sequence[Image.Image | None], Sequence[str]], list[str]],
    conversations: Sequence[Conversation],
    options: GenerationOptions,
) -> list[str]:
    """``chat`` for a model with only the single-turn call: every conversation flattened, one
    ``generate`` call for all, each answer cut at ``options.stop`` (the model decodes with its
    own length and temperature: a single-turn call takes none)."""
    flat = [flatten(c) for c in conversations]
    answers = generate([image for image, _ in flat], [prompt for _, prompt in flat])
    return [until_stop(a, options.stop) for a in answers]


def chat_with(
    model: Any, conversations: Sequence[Conversation], options: GenerationOptions
) -> list[str]:
    """``model.chat`` where the model has it, else its ``generate`` on the flattened
    conversations: a plugin's Generator written before conversations still answers them."""
    for conversation in conversations:
        check_conversation(conversation)
    if isinstance(model, Chat):
        return list(model.chat(conversations, options))
    return chat_by_flattening(model.generate, conversations, options)
