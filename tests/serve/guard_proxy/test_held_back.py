"""Streaming per sentence (``stream = "sentence"``) against a real streaming upstream on
127.0.0.1: clean answers arrive unchanged in several chunks, a harmful sentence ends the stream
with the refusal, a toxic one is redacted, and an upstream that cannot stream says so."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import vlmtrust_testing as gen
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from vlmtrust.data.world import prompts
from vlmtrust.serve.guard_proxy.app import create_proxy_app
from vlmtrust.serve.guard_proxy.decision_log import DecisionLog
from vlmtrust.serve.guard_proxy.held_back import split_sentences
from vlmtrust.serve.guard_proxy.policy import GuardPolicy
from vlmtrust.serve.guard_proxy.upstream import Upstream
from vlmtrust.serve.openai_server import create_app

CLEAN = "a red circle on a blue field. it is small. nothing else is shown."
HARMFUL = f"a red circle. sure, here is {prompts.ALL_HARMFUL[0]}: step one, step two. done."
TOXIC = "a red circle. listen you stupid idiot, it is small. bye."
# the prompts are neutral words: the input guard must let them through
ANSWERS = {"alpha": CLEAN, "beta": HARMFUL, "gamma": TOXIC}


def streaming_upstream() -> FastAPI:
    """An upstream that streams its scripted answer word by word, as vLLM streams tokens."""
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "streamer", "object": "model"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> StreamingResponse:
        body = await request.json()
        assert body["stream"] is True
        answer = ANSWERS[body["messages"][-1]["content"]]

        async def events() -> AsyncIterator[str]:
            head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1}
            for word in answer.split(" "):
                delta = {"content": word + " "}
                choice = {"index": 0, "delta": delta, "finish_reason": None}
                yield f"data: {json.dumps(head | {'model': 'streamer', 'choices': [choice]})}\n\n"
            done = {"index": 0, "delta": {}, "finish_reason": "stop"}
            yield f"data: {json.dumps(head | {'model': 'streamer', 'choices': [done]})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def _proxy(upstream_url: str, log_path: Path) -> Any:
    upstream = Upstream(upstream_url, 30)
    log = DecisionLog(log_path)
    return gen.serving(create_proxy_app(upstream, GuardPolicy(stream="sentence"), log)), log


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DecisionLog]]:
    with gen.serving(streaming_upstream()) as upstream_url:
        serving, log = _proxy(upstream_url, tmp_path_factory.mktemp("log") / "d.db")
        with serving as url:
            yield url, log
        log.close()


def _stream(url: str, text: str, model: str = "streamer") -> list[Any]:
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=60)
    messages: Any = [{"role": "user", "content": text}]
    return list(client.chat.completions.create(model=model, messages=messages, stream=True))


def _text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_sentences_split_at_their_ends() -> None:
    assert split_sentences("one. two! three") == (["one. ", "two! "], "three")
    assert split_sentences("3.5 apples") == ([], "3.5 apples")


def test_a_clean_answer_arrives_unchanged_sentence_by_sentence(proxy: Any) -> None:
    url, log = proxy
    chunks = _stream(url, "alpha")
    assert _text(chunks).strip() == CLEAN
    assert sum(bool(c.choices and c.choices[0].delta.content) for c in chunks) == 3
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "vlmtrust_guard" not in (chunks[-1].model_extra or {})
    assert (log.rows()[-1].verdict, log.rows()[-1].stage) == ("pass", "output")


def test_a_harmful_sentence_ends_the_stream_with_the_refusal(proxy: Any) -> None:
    url, log = proxy
    chunks = _stream(url, "beta")
    assert _text(chunks) == "a red circle. " + prompts.REFUSAL
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    verdict = (chunks[-1].model_extra or {})["vlmtrust_guard"]
    assert (verdict["verdict"], verdict["stage"]) == ("block", "output")
    assert [(d.verdict, d.stage) for d in log.rows()[-2:]] == [
        ("pass", "input"),
        ("block", "output"),
    ]


def test_a_toxic_sentence_is_redacted_and_the_rest_flows(proxy: Any) -> None:
    url, _ = proxy
    chunks = _stream(url, "gamma")
    text = _text(chunks)
    assert "idiot" not in text and text.startswith("a red circle. ") and "bye." in text
    assert (chunks[-1].model_extra or {})["vlmtrust_guard"]["verdict"] == "redact"


def test_an_upstream_that_cannot_stream_answers_its_own_400(tmp_path: Path) -> None:
    with gen.serving(create_app(gen.ColourNamer(), "namer")) as upstream_url:
        serving, log = _proxy(upstream_url, tmp_path / "d.db")
        with serving as url, pytest.raises(openai.BadRequestError, match="stream"):
            _stream(url, "what colour?", model="namer")
    log.close()
