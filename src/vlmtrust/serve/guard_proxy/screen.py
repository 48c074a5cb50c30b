"""Screening of a chat by the guards a scan measures: the same code, not a copy of it.

The input guard (``Guarded.inspect``) judges (image, prompt) rows; a chat becomes one row per
message text (every role: a client can write fake assistant turns too) and one row per image,
so several images per message and multi-turn chats are all read. The chat is blocked when any
row is. The output guard (``OutputGuarded.screen``) judges each answer as a scan's guarded model
would. Both guards hold shared state (the OCR engine, their logs), so each runs under a lock.

Images must be inline ``data:`` URLs: the proxy fetches nothing, so a URL to a private or
loopback address can never make it open a connection (no SSRF), whatever the address.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.wrappers.guard import Guard, GuardDecision, Guarded
from vlmtrust.mitigations.wrappers.output_guard import OutputGuard, OutputGuarded
from vlmtrust.models.images import from_data_url
from vlmtrust.serve.errors import OpenAIError
from vlmtrust.serve.guard_proxy.policy import GuardPolicy
from vlmtrust.serve.openai_server import ChatMessage

Stage = Literal["input", "output"]


@dataclass(frozen=True)
class Verdict:
    """What a guard decided: ``reason`` for the client, ``logged`` for the decision log (the
    text read in an image replaced, so the log holds no request text unless opted in)."""

    verdict: Literal["pass", "block", "redact"]
    stage: Stage
    reason: str = ""
    logged: str = ""


class Screens:
    """The input and output guards of one proxy, built from its policy."""

    def __init__(self, policy: GuardPolicy) -> None:
        self.policy = policy
        # built as plugins first, so a classifier of the wrong kind fails as it does in a scan
        Guard(Spec(name="guard", params=policy.input_guard.model_dump(mode="json")))
        OutputGuard(Spec(name="output_guard", params=policy.output_guard.model_dump(mode="json")))
        self._input = Guarded(None, policy.input_guard)
        self._output = OutputGuarded(None, policy.output_guard)
        self._input_lock = threading.Lock()
        self._output_lock = threading.Lock()

    def check_input(self, messages: Sequence[ChatMessage]) -> Verdict:
        """The input guard's verdict on a whole chat (blocking, CPU-bound: run in a thread)."""
        urls = [url for m in messages for url in m.images()]
        for url in urls:  # every URL refused before any image is decoded
            refuse_unless_inline(url)
        texts = [m.text() for m in messages if m.text()]
        images: list[Image.Image | None] = [None] * len(texts)
        prompts = [*texts, *[""] * len(urls)]
        with self._input_lock:  # decoded under the lock: one request's images at a time
            images += [decode(url, self.policy.max_image_pixels) for url in urls]
            if not prompts:
                return Verdict("pass", "input")
            decisions = self._input.inspect(images, prompts)
        blocked = [d for d in decisions if d.blocked]
        if not blocked:
            return Verdict("pass", "input")
        return Verdict(
            "block",
            "input",
            "; ".join(r for d in blocked for r in d.reasons),
            "; ".join(_without_image_text(d) for d in blocked),
        )

    def check_output(self, answer: str, request: str = "") -> tuple[str, Verdict]:
        """The answer the client may read, and the output guard's verdict on it (``request``:
        what was asked, for a guard model that judges an answer as a reply)."""
        with self._output_lock:
            before = len(self._output.rewrites)
            (final,) = self._output.screen([answer], [request])
            why = self._output.rewrites[-1][2] if len(self._output.rewrites) != before else ""
        if final == answer:
            return answer, Verdict("pass", "output")
        kind: Literal["block", "redact"] = (
            "block" if final == self.policy.output_guard.refusal else "redact"
        )
        reason = f"answer {why}" if why else "answer rewritten by the output guard"
        # a toxicity reason quotes the answer; the log keeps the verdict, not the words
        return final, Verdict(kind, "output", reason, reason.split(": '", 1)[0])


def last_request(messages: Sequence[ChatMessage]) -> str:
    """The text of the last user message: what an answer replies to."""
    return next((m.text() for m in reversed(messages) if m.role == "user"), "")


def _without_image_text(decision: GuardDecision) -> str:
    """The decision's reasons with the text read in the image left out."""
    shown = repr(decision.ocr_text)
    return "; ".join(r.replace(shown, "<text in image>") for r in decision.reasons)


def refuse_unless_inline(url: str) -> None:
    """Refuse (400) any image that is not an inline ``data:`` URL, saying why; never fetch."""
    if url.startswith("data:"):
        return
    scheme = url.split(":", 1)[0].lower() if ":" in url else "not a URL"
    if scheme in ("http", "https"):
        message = (
            "remote image URLs are refused by this proxy's policy (remote_images = "
            '"refuse"): it never fetches an image; send it inline as data:image/png;base64,...'
        )
    else:
        message = f"image URL scheme {scheme!r} is refused: send data:image/png;base64,..."
    raise OpenAIError(400, message, param="messages", code="image_url_refused")


def decode(url: str, max_pixels: int) -> Image.Image:
    """An inline image of at most ``max_pixels`` (checked from its header: 413 over it)."""
    try:
        return from_data_url(url, max_pixels=max_pixels)
    except ValueError as err:
        status = 413 if "over the limit" in str(err) else 400
        code = "image_too_large" if status == 413 else "invalid_image"
        raise OpenAIError(status, f"invalid image: {err}", param="messages", code=code) from err
