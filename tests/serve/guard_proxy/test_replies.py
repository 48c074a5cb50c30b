"""Refusals and SSE chunks, parsed back by the official openai client's own types."""

from __future__ import annotations

import json

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from vlmtrust.serve.guard_proxy.replies import as_chunks, refusal_completion
from vlmtrust.serve.guard_proxy.screen import Verdict

VERDICT = Verdict("block", "input", "prompt P(harmful)=0.90")


def test_a_refusal_is_a_normal_completion_with_the_reason_beside_it() -> None:
    parsed = ChatCompletion.model_validate(refusal_completion("m", "no.", VERDICT))
    assert parsed.choices[0].message.content == "no."
    assert (parsed.model_extra or {})["vlmtrust_guard"] == {
        "verdict": "block",
        "stage": "input",
        "reason": "prompt P(harmful)=0.90",
    }


def test_chunks_rebuild_the_answer_and_end_with_done() -> None:
    events = list(as_chunks(refusal_completion("m", "no.", VERDICT)))
    assert events[-1] == "data: [DONE]\n\n"
    chunks = [
        ChatCompletionChunk.model_validate(json.loads(e.removeprefix("data: ")))
        for e in events[:-1]
    ]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "no."
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["vlmtrust_guard"]["stage"] == "input"
    assert all("vlmtrust_guard" not in (c.model_extra or {}) for c in chunks[:-1])
