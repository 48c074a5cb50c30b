"""A Llama Guard behind an OpenAI-compatible chat API, as vLLM or llama.cpp serve one: the
server applies the checkpoint's own chat template to the messages it receives (the real
Llama Guard 3 template of a tiny checkpoint) and answers the rendered prompt by rule, so the
tests can see both the exact prompt a served guard gets and the judge's parsing of each answer
form: 'bomb' in the judged turn is unsafe (S9), 'garble' gets a malformed answer, the rest is
safe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import transformers
from fastapi import FastAPI, Request

from vlmtrust.scorers.guard_formats import judged_role

UNSAFE, SAFE, GARBLED = "\n\nunsafe\nS9", "\n\nsafe", "\n\nUnsafe: weapons"


def rule(turns: list[str]) -> str:
    """The default answer: by the judged (last) turn."""
    judged = turns[-1].lower()
    return GARBLED if "garble" in judged else UNSAFE if "bomb" in judged else SAFE


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p["text"] for p in content if p.get("type") == "text")


class GuardServer:
    def __init__(
        self,
        checkpoint: Path,
        name: str = "llama-guard",
        answer: Callable[[list[str]], str] = rule,
    ) -> None:
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(checkpoint)
        self.rendered: list[str] = []
        self.bodies: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.get("/v1/models")
        async def models() -> Any:
            return {"object": "list", "data": [{"id": name}]}

        @self.app.post("/v1/chat/completions")
        async def chat(request: Request) -> Any:
            body = await request.json()
            self.bodies.append(body)
            messages = [
                {"role": m["role"], "content": _text(m["content"])} for m in body["messages"]
            ]
            self.rendered.append(self.tokenizer.apply_chat_template(messages, tokenize=False))
            turns = [str(m["content"]) for m in messages]
            judged_role(turns)
            text = answer(turns)
            return {
                "id": "chatcmpl-guard",
                "object": "chat.completion",
                "created": 0,
                "model": name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
            }
