"""The guard proxy: an OpenAI-compatible server that screens every chat on its way to an
upstream server and every answer on its way back (``vlmtrust guard serve``).

``GET /v1/models`` is the upstream's list. ``POST /v1/chat/completions``:

1. the body is read (the limits of serve/limits.py first: proxy token, concurrency, size) and
   validated (malformed JSON, a wrong schema, an unknown model: 4xx, before any guard runs);
2. the input guard reads every message text and every image (screen.py); a block answers the
   policy's refusal as a normal completion with a ``vlmtrust_guard`` reason (replies.py) and
   nothing reaches the upstream;
3. else the request goes upstream as sent, with ``stream`` turned off (the policy's default
   ``stream = "buffer"``), and each answer passes the output guard, which may replace it;
4. the answer goes back as JSON, or as SSE chunks when the client asked to stream. With
   ``stream = "sentence"`` a streamed request is streamed upstream too, and each sentence is
   released once the output guard has read it (held_back.py).

Each guard decision is logged (decision_log.py). Guards run in worker threads, so the event loop
keeps answering other requests while one is read by OCR.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from vlmtrust.serve.errors import OpenAIError, error_response
from vlmtrust.serve.guard_proxy.decision_log import Decision, DecisionLog
from vlmtrust.serve.guard_proxy.held_back import held_back
from vlmtrust.serve.guard_proxy.policy import GuardPolicy
from vlmtrust.serve.guard_proxy.replies import as_chunks, guard_field, refusal_completion
from vlmtrust.serve.guard_proxy.screen import Screens, Verdict, last_request
from vlmtrust.serve.guard_proxy.upstream import Upstream, UpstreamRefused
from vlmtrust.serve.limits import guard
from vlmtrust.serve.openai_server import ChatMessage
from vlmtrust.serve.options import MB, ServeOptions


class ProxyChatRequest(BaseModel):
    """The fields the proxy reads; the rest go upstream untouched."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def create_proxy_app(
    upstream: Upstream, policy: GuardPolicy, log: DecisionLog, proxy_key: str | None = None
) -> FastAPI:
    """The proxy in front of ``upstream``; ``proxy_key``: the token clients must send it."""
    screens = Screens(policy)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await upstream.close()

    app = FastAPI(title="vlmtrust guard proxy", docs_url=None, redoc_url=None, lifespan=lifespan)
    guard(
        app,
        ServeOptions(
            max_body_bytes=round(policy.max_body_mb * MB),
            max_image_pixels=policy.max_image_pixels,
            max_concurrency=policy.max_concurrency,
            api_key=proxy_key,
        ),
    )

    def client_auth(request: Request) -> str | None:
        # the proxy's own token authenticated the client here: it never goes upstream
        return None if proxy_key is not None else request.headers.get("authorization")

    def record(digest: str, verdict: Verdict, seconds: float, prompt: str | None) -> None:
        reason = verdict.logged if verdict.verdict != "pass" else ""
        log.write(Decision(digest, verdict.verdict, verdict.stage, reason, seconds * 1000, prompt))

    @app.exception_handler(OpenAIError)
    async def _openai_error(request: Request, err: OpenAIError) -> JSONResponse:
        return err.response()

    @app.exception_handler(UpstreamRefused)
    async def _refused(request: Request, err: UpstreamRefused) -> Response:
        if isinstance(err.body, dict):
            return JSONResponse(err.body, status_code=err.status)
        return error_response(err.status, f"upstream answered {err.status}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        kind = "invalid_request_error" if err.status_code < 500 else "server_error"
        message = f"{err.detail}: {request.method} {request.url.path}"
        return OpenAIError(err.status_code, message, type=kind).response()

    @app.get("/v1/models")
    async def list_models(request: Request) -> dict[str, Any]:
        return await upstream.models(client_auth(request))

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        raw = await request.body()
        payload, body = parse_chat(raw)
        auth = client_auth(request)
        if not await upstream.known_model(body.model, auth):
            raise OpenAIError(
                404,
                f"the model {body.model!r} does not exist upstream",
                param="model",
                code="model_not_found",
            )
        digest = hashlib.sha256(raw).hexdigest()
        prompt = "\n".join(m.text() for m in body.messages) if policy.log_prompts else None
        started = time.perf_counter()
        verdict = await run_in_threadpool(screens.check_input, body.messages)
        record(digest, verdict, time.perf_counter() - started, prompt)
        if verdict.verdict != "pass":
            refusal = refusal_completion(body.model, policy.input_guard.refusal, verdict)
            return reply(refusal, body.stream)
        if body.stream and policy.stream == "sentence":
            return await sentence_stream(payload, auth, digest, last_request(body.messages))
        completion = await upstream.chat(payload | {"stream": False}, auth)
        started = time.perf_counter()
        asked = last_request(body.messages)
        screened = await run_in_threadpool(screen_answers, screens, completion, asked)
        record(digest, screened, time.perf_counter() - started, None)
        if screened.verdict != "pass":
            completion["vlmtrust_guard"] = guard_field(screened)
        return reply(completion, body.stream)

    async def sentence_stream(
        payload: dict[str, Any], auth: str | None, digest: str, asked: str
    ) -> StreamingResponse:
        """The upstream's stream, released sentence by sentence (held_back.py); its errors are
        answered before the first byte, from its first event."""
        if payload.get("n", 1) != 1:
            raise OpenAIError(400, "the policy streams per sentence: send n=1", param="n")
        events = upstream.chat_events(payload | {"stream": True}, auth)
        try:
            first = await anext(events)
        except StopAsyncIteration:
            raise OpenAIError(
                502, "upstream ended its stream before any event", type="server_error"
            ) from None

        def logged(verdict: Verdict, seconds: float) -> None:
            record(digest, verdict, seconds, None)

        lines = held_back(first, events, screens, logged, asked)
        return StreamingResponse(lines, media_type="text/event-stream")

    return app


def parse_chat(raw: bytes) -> tuple[dict[str, Any], ProxyChatRequest]:
    """The body as JSON (to forward) and as the fields the proxy reads; 400 if it is neither."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise OpenAIError(400, f"request body is not valid JSON ({err})") from err
    if not isinstance(payload, dict):
        raise OpenAIError(400, "request body must be a JSON object")
    payload.pop("stream_options", None)  # answers go upstream unstreamed
    try:
        return payload, ProxyChatRequest.model_validate(payload)
    except ValidationError as err:
        parts = []
        for error in err.errors()[:3]:
            loc = ".".join(str(p) for p in error["loc"] if "[" not in str(p))
            msg = str(error["msg"]).removeprefix("Value error, ")
            parts.append(f"{loc}: {msg}" if loc else msg)
        raise OpenAIError(400, "invalid request body: " + "; ".join(parts)) from err


def screen_answers(screens: Screens, completion: dict[str, Any], request: str) -> Verdict:
    """Pass each answer of ``completion`` through the output guard, replacing it in place;
    the first verdict that is not a pass (else a pass)."""
    found = Verdict("pass", "output")
    for choice in completion.get("choices", []):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            continue
        final, verdict = screens.check_output(message["content"], request)
        message["content"] = final
        if verdict.verdict != "pass" and found.verdict == "pass":
            found = verdict
    return found


def reply(completion: dict[str, Any], stream: bool) -> Response:
    if stream:
        return StreamingResponse(as_chunks(completion), media_type="text/event-stream")
    return JSONResponse(completion)
