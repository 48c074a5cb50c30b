"""The bodies the proxy answers with: a refusal completion, and a completion as SSE chunks.

A block is still a normal ``chat.completion`` (the official clients parse it like any answer):
its content is the policy's refusal, and a top-level ``vlmtrust_guard`` object says why, for
programs: ``{"verdict": "block"|"redact", "stage": "input"|"output", "reason": ...}``. Clients
ignore unknown top-level fields (the openai client keeps them in ``model_extra``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from vlmtrust.serve.guard_proxy.screen import Verdict


def guard_field(verdict: Verdict) -> dict[str, str]:
    return {"verdict": verdict.verdict, "stage": verdict.stage, "reason": verdict.reason}


def refusal_completion(model: str, refusal: str, verdict: Verdict) -> dict[str, Any]:
    """A chat completion answering ``refusal``, as if the model had said it."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": refusal},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "vlmtrust_guard": guard_field(verdict),
    }


def as_chunks(completion: dict[str, Any]) -> Iterator[str]:
    """A finished completion as the SSE events of a stream: per choice its role, its content
    and its finish reason; the guard's verdict (if any) rides on the last chunk; then [DONE]."""
    base = {
        "id": completion.get("id", f"chatcmpl-{uuid.uuid4().hex}"),
        "object": "chat.completion.chunk",
        "created": completion.get("created", int(time.time())),
        "model": completion.get("model", ""),
    }
    choices = completion.get("choices", [])
    for choice in choices:
        index = choice.get("index", 0)
        message = choice.get("message") or {}
        for delta in ({"role": "assistant", "content": ""}, {"content": message.get("content")}):
            yield _event(base | {"choices": [_chunk_choice(index, delta, None)]})
    last: dict[str, Any] = base | {
        "choices": [
            _chunk_choice(c.get("index", 0), {}, c.get("finish_reason") or "stop") for c in choices
        ]
    }
    if "vlmtrust_guard" in completion:
        last["vlmtrust_guard"] = completion["vlmtrust_guard"]
    yield _event(last)
    yield "data: [DONE]\n\n"


def _chunk_choice(index: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}


def _event(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload)}\n\n"
