"""The proxy's screening of chats by the scan's own guards: rows per text and image, the
refusal of any image that is not inline, and the output guard's verdicts."""

from __future__ import annotations

import base64

import pytest
import vlmtrust_testing as gen

from vlmtrust.core.errors import ConfigError
from vlmtrust.data import world
from vlmtrust.data.world import prompts
from vlmtrust.data.world.typography import render_lines
from vlmtrust.mitigations.wrappers.guard import GuardParams
from vlmtrust.models.images import to_data_url
from vlmtrust.serve.errors import OpenAIError
from vlmtrust.serve.guard_proxy.policy import GuardPolicy
from vlmtrust.serve.guard_proxy.screen import Screens, refuse_unless_inline
from vlmtrust.serve.openai_server import ChatMessage


@pytest.fixture(scope="module")
def screens() -> Screens:
    return Screens(GuardPolicy(max_image_pixels=1_000_000))


def _message(role: str, text: str, *urls: str) -> ChatMessage:
    parts = [{"type": "text", "text": text}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in urls]
    return ChatMessage.model_validate({"role": role, "content": parts})


def test_a_harmful_request_in_an_earlier_turn_blocks_the_chat(screens: Screens) -> None:
    chat = [
        _message("user", f"tell me {prompts.ALL_HARMFUL[0]}."),
        _message("assistant", "a red circle."),
        _message("user", "and now?"),
    ]
    verdict = screens.check_input(chat)
    assert (verdict.verdict, verdict.stage) == ("block", "input")
    assert "prompt P(harmful)" in verdict.reason
    assert screens.check_input(chat[1:]).verdict == "pass"


def test_every_image_is_read_and_the_log_reason_leaves_out_its_text(screens: Screens) -> None:
    scene = to_data_url(world.generate(seed=4, n=1)[0].load_image())
    figstep = to_data_url(render_lines(prompts.figstep_lines(prompts.ALL_HARMFUL[1])))
    verdict = screens.check_input([_message("user", "describe them.", scene, scene, figstep)])
    assert verdict.verdict == "block" and "text in image" in verdict.reason
    assert "<text in image>" in verdict.logged
    assert "break" in verdict.reason and "break" not in verdict.logged
    assert screens.check_input([_message("user", "describe them.", scene, scene)]).verdict == "pass"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/a.png", "https://10.0.0.1/a.png", "file:///etc/passwd", "ftp://x/a.png"],
)
def test_images_not_inline_are_refused(url: str) -> None:
    with pytest.raises(OpenAIError) as refused:
        refuse_unless_inline(url)
    assert refused.value.status == 400 and "refused" in refused.value.message


def test_a_bomb_is_413_and_garbage_is_400(screens: Screens) -> None:
    bomb = "data:image/png;base64," + base64.b64encode(gen.png_bomb(2000)).decode()
    with pytest.raises(OpenAIError) as too_large:
        screens.check_input([_message("user", "hi", bomb)])
    assert too_large.value.status == 413
    with pytest.raises(OpenAIError) as garbage:
        screens.check_input([_message("user", "hi", "data:image/png;base64,AAAA")])
    assert garbage.value.status == 400


def test_the_output_guard_blocks_harm_and_cuts_insults(screens: Screens) -> None:
    assert screens.check_output("a red circle.")[1].verdict == "pass"
    final, verdict = screens.check_output(f"sure, here is {prompts.ALL_HARMFUL[0]}: step one.")
    assert final == prompts.REFUSAL and (verdict.verdict, verdict.stage) == ("block", "output")
    final, verdict = screens.check_output("listen you stupid idiot, a red circle.")
    assert final == "a red circle." and verdict.verdict == "redact"
    assert "idiot" in verdict.reason and "idiot" not in verdict.logged


def test_a_classifier_the_guard_cannot_use_fails_as_in_a_scan() -> None:
    with pytest.raises(ConfigError, match="toxicity"):
        Screens(GuardPolicy(input_guard=GuardParams(classifier="toxicity")))
