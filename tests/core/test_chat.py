"""Conversations: what a single-turn model is shown for several turns, and what is refused."""

import pytest
from PIL import Image
from pydantic import ValidationError

from vlmtrust.core.chat import (
    GenerationOptions,
    Message,
    chat_with,
    check_conversation,
    flatten,
    until_stop,
)
from vlmtrust.core.errors import ConfigError

RED = Image.new("RGB", (4, 4), "red")
BLUE = Image.new("RGB", (4, 4), "blue")


def test_one_user_message_flattens_to_its_own_text_and_image():
    assert flatten([Message(role="user", text="what is it?", images=(RED,))]) == (
        RED,
        "what is it?",
    )
    assert flatten([Message(role="user", text="hi")]) == (None, "hi")


def test_turns_flatten_to_a_transcript_after_the_system_text_with_the_latest_image():
    image, prompt = flatten(
        [
            Message(role="system", text="be brief."),
            Message(role="user", text="what is this?", images=(RED,)),
            Message(role="assistant", text="a square."),
            Message(role="user", text="and this?", images=(BLUE,)),
        ]
    )
    assert image is BLUE
    assert prompt == "be brief.\nuser: what is this?\nassistant: a square.\nuser: and this?"


@pytest.mark.parametrize(
    ("roles", "problem"),
    [
        ([], "at least one message"),
        (["system", "assistant"], "needs a user message"),
        (["user", "system", "user"], "system message comes after a turn"),
    ],
)
def test_malformed_conversations_are_one_config_error(roles, problem):
    with pytest.raises(ConfigError, match=problem):
        check_conversation([Message(role=r, text="x") for r in roles])


def test_only_user_messages_carry_images_and_options_are_bounded():
    with pytest.raises(ValidationError, match="only user messages carry images"):
        Message(role="assistant", text="x", images=(RED,))
    with pytest.raises(ValidationError):
        GenerationOptions(max_tokens=0)
    with pytest.raises(ValidationError):
        GenerationOptions(temperature=-1)


def test_an_answer_ends_before_the_first_stop_string():
    assert until_stop("yes. no. maybe.", ["no", "."]) == "yes"
    assert until_stop("yes", ["\n"]) == "yes"
    assert until_stop("yes", [""]) == "yes"


class _Echo:
    """A plugin-style Generator written before conversations: it has no ``chat``."""

    def generate(self, images, prompts):
        return [
            f"{'image' if i else 'text'}|{p}|END|tail" for i, p in zip(images, prompts, strict=True)
        ]


def test_a_generator_without_chat_answers_conversations_flattened():
    turns = [Message(role="user", text="a"), Message(role="assistant", text="b")]
    answers = chat_with(
        _Echo(),
        [[Message(role="user", text="q", images=(RED,))], [*turns, Message(role="user", text="c")]],
        GenerationOptions(stop=("|END",)),
    )
    assert answers == ["image|q", "text|user: a\nassistant: b\nuser: c"]
    assert chat_with(_Echo(), [turns], GenerationOptions(stop=("|",))) == ["text"]
    with pytest.raises(ConfigError, match="needs a user message"):
        chat_with(_Echo(), [turns[1:]], GenerationOptions())
