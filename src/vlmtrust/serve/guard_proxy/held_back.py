"""Streaming per sentence (policy ``stream = "sentence"``): the upstream streams, the proxy holds
back each sentence until the output guard has read it, then releases it.

The client sees the answer sooner than with ``buffer``, at a price: the guard judges each
sentence alone, so harm spread over several sentences can pass where the whole answer would be
caught, and sentences released before a block stay released. On a block the stream ends with
the refusal and ``finish_reason: "content_filter"``; a toxic sentence is sent redacted. The
last chunk carries the ``vlmtrust_guard`` verdict when one was not a pass. Only the first
choice (index 0) is screened per sentence, so the policy needs ``n`` = 1 (else 400).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool

from vlmtrust.serve.guard_proxy.replies import guard_field
from vlmtrust.serve.guard_proxy.screen import Screens, Verdict

#: the end of a sentence: its closing punctuation (or a newline) and the space after it
_SENTENCE_END = re.compile(r"[.!?\n]+\s+")


def split_sentences(text: str) -> tuple[list[str], str]:
    """The finished sentences of ``text`` (each with its trailing space) and the rest."""
    done, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        done.append(text[start : match.end()])
        start = match.end()
    return done, text[start:]


async def held_back(
    first: dict[str, Any],
    events: AsyncIterator[dict[str, Any]],
    screens: Screens,
    record: Callable[[Verdict, float], None],
    asked: str = "",
) -> AsyncIterator[str]:
    """The SSE events to send: each upstream event's sentences once screened (``asked``: the
    request they answer, for a guard model)."""
    base = {k: first.get(k) for k in ("id", "object", "created", "model")}
    pending, found, finish, spent = "", Verdict("pass", "output"), None, 0.0

    async def screened(text: str) -> tuple[str, Verdict]:
        nonlocal spent
        started = time.perf_counter()
        final, verdict = await run_in_threadpool(screens.check_output, text, asked)
        spent += time.perf_counter() - started
        return final, verdict

    yield _event(base, {"role": "assistant", "content": ""}, None)
    async for event in _chain(first, events):
        choice = next((c for c in event.get("choices", []) if c.get("index", 0) == 0), None)
        if choice is None:
            continue
        pending += (choice.get("delta") or {}).get("content") or ""
        finish = choice.get("finish_reason") or finish
        sentences, pending = split_sentences(pending)
        for sentence in sentences:
            final, verdict = await screened(sentence)
            if verdict.verdict == "block":
                async for line in _blocked(base, final, verdict, record, spent):
                    yield line
                return
            if verdict.verdict != "pass" and found.verdict == "pass":
                found = verdict
            yield _event(base, {"content": final if final == sentence else final + " "}, None)
    if pending.strip():
        final, verdict = await screened(pending)
        if verdict.verdict == "block":
            async for line in _blocked(base, final, verdict, record, spent):
                yield line
            return
        if verdict.verdict != "pass" and found.verdict == "pass":
            found = verdict
        yield _event(base, {"content": final}, None)
    record(found, spent)
    last = _event(base, {}, finish or "stop", found if found.verdict != "pass" else None)
    yield last
    yield "data: [DONE]\n\n"


async def _blocked(
    base: dict[str, Any],
    refusal: str,
    verdict: Verdict,
    record: Callable[[Verdict, float], None],
    spent: float,
) -> AsyncIterator[str]:
    record(verdict, spent)
    yield _event(base, {"content": refusal}, None)
    yield _event(base, {}, "content_filter", verdict)
    yield "data: [DONE]\n\n"


async def _chain(
    first: dict[str, Any], rest: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[dict[str, Any]]:
    yield first
    async for event in rest:
        yield event


def _event(
    base: dict[str, Any], delta: dict[str, Any], finish: str | None, verdict: Verdict | None = None
) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
    payload: dict[str, Any] = base | {"object": "chat.completion.chunk", "choices": [choice]}
    if verdict is not None:
        payload["vlmtrust_guard"] = guard_field(verdict)
    return f"data: {json.dumps(payload)}\n\n"
