"""ASGI guards in front of the served app: API key, concurrency cap, body size cap.

They are plain ASGI middleware rather than FastAPI dependencies because each must act before the
request body is read: a dependency runs after FastAPI has read (and parsed) the whole body, so a
50 MB upload or a stranger's request would already have cost its memory. Each refusal is answered
at once in OpenAI's error shape. Outermost first: the key (strangers take no slot), the
concurrency cap (429 with Retry-After), then the body cap (413), see :func:`guard`.
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vlmtrust.serve.errors import error_response
from vlmtrust.serve.options import MB, ServeOptions

# Refusals sent before the body is read keep the connection open: uvicorn then reads the rest of
# the body and drops it as it arrives (nothing is buffered). Closing at once instead would make
# the client's kernel answer its still-arriving bytes with a reset, and many clients would report
# "connection reset" rather than the 413 they were sent.


def guard(app: FastAPI, options: ServeOptions) -> None:
    """Put the guards ``options`` asks for in front of ``app`` (the last added runs first)."""
    app.add_middleware(BodyLimit, max_bytes=options.max_body_bytes)
    app.add_middleware(
        ConcurrencyLimit,
        max_requests=options.max_concurrency,
        retry_after_s=options.retry_after_s,
    )
    if options.api_key is not None:
        app.add_middleware(BearerAuth, api_key=options.api_key)


class BearerAuth:
    """Answer 401 to any HTTP request without ``Authorization: Bearer <key>``.

    The comparison takes the same time however much of the key a guess gets right, and neither
    the key nor the guess is ever echoed.
    """

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self._key = api_key.encode("utf-8")

    def __repr__(self) -> str:
        return "BearerAuth(api_key=<hidden>)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _bearer_token(scope)
        if token is not None and secrets.compare_digest(token, self._key):
            await self.app(scope, receive, send)
            return
        if token is None:
            message = "no API key: send the header Authorization: Bearer <key>"
        else:
            message = "incorrect API key provided; send the key the server was started with"
        headers = {"www-authenticate": "Bearer"}
        response = error_response(401, message, code="invalid_api_key", headers=headers)
        await response(scope, receive, send)


def _bearer_token(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            scheme, _, token = bytes(value).strip().partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return token.strip()
            return None
    return None


class ConcurrencyLimit:
    """Answer 429 at once when ``max_requests`` requests are already being handled or queued.

    Model calls run one at a time, so without a cap every extra request would wait in memory
    with its decoded body; with it, a client learns at once to come back later (Retry-After).
    The count needs no lock: middleware runs on the server's single event loop.
    """

    def __init__(self, app: ASGIApp, max_requests: int, retry_after_s: int = 1) -> None:
        self.app = app
        self.max_requests = max_requests
        self.retry_after_s = retry_after_s
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.active >= self.max_requests:
            response = error_response(
                429,
                f"server busy: {self.max_requests} requests are already in progress (its "
                f"--max-concurrency); retry after {self.retry_after_s} s",
                type="requests",
                code="rate_limit_exceeded",
                headers={"retry-after": str(self.retry_after_s)},
            )
            await response(scope, receive, send)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


class BodyTooLarge(Exception):
    """Raised into the app by the receive channel once a streamed body passes the limit."""


class BodyLimit:
    """Answer 413 to a body over ``max_bytes``: at once from its Content-Length, else as soon
    as the bytes streamed in (a chunked body) pass the limit, so no body is ever read whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return
        received = 0
        refused = False  # our 413 went out: the app's own answer to the cut body is dropped
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not started and not refused:
                        refused = True
                        await self._too_large()(scope, receive, send)
                    raise BodyTooLarge(f"request body over {self.max_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not refused:  # the app had already started answering: nothing left to say
                raise

    def _too_large(self) -> ASGIApp:
        return error_response(
            413,
            f"request body is over this server's limit of {_megabytes(self.max_bytes)} "
            "(its --max-body-mb); send a smaller image",
            code="request_too_large",
        )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP server rejects a malformed length before we run
    return None


def _megabytes(size: int) -> str:
    return f"{size / MB:g} MB"
