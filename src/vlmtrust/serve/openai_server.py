"""An OpenAI-compatible chat server over any Generator (the ``zoo serve MODEL`` command).

It speaks the subset of the OpenAI API that single-image VLM clients use, so a zoo model can be
scanned over HTTP (``openai:`` adapter) or poked with any OpenAI client:

- ``GET /v1/models`` lists the one served model.
- ``POST /v1/chat/completions`` answers a chat with one ``Generator.chat`` call.

The whole conversation reaches the model (:mod:`vlmtrust.core.chat`): system (and developer)
messages first, then every user and assistant turn; a model with a chat format takes the turns
as they are, a single-turn model (the zoo) sees them flattened to a transcript. Text parts of one
message are joined by newlines. At most one image may appear in the whole conversation (in a
user message), so at most one decoded image is held per request; more is a 400. Images must be
inline ``data:image/...;base64,`` URLs: the server never fetches a URL, so it can neither leak
requests nor be pointed at the network.

``max_tokens`` (or ``max_completion_tokens``) may shorten the model's own answer length,
``temperature``, ``seed`` and ``stop`` are passed on (a model that cannot sample decodes
greedily). ``n`` must be 1, ``stream`` must be false, and any other standard field (``top_p``,
``user``...) is accepted and ignored.

Model calls run in a worker thread (they are blocking CPU torch code) one at a time under a lock
(models are not thread-safe), so the event loop keeps answering while a request computes. The
image is decoded under the same lock, so at most one decoded image is held however many requests
wait. What gets in at all (body size, image pixels, requests at once, API key) is set by
:class:`~vlmtrust.serve.options.ServeOptions` and enforced by the guards in serve/limits.py.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from vlmtrust.core.capabilities import Generator, check_capabilities
from vlmtrust.core.chat import GenerationOptions, Message, Role, chat_with
from vlmtrust.core.errors import CapabilityError, ConfigError
from vlmtrust.models.images import from_data_url
from vlmtrust.serve.errors import OpenAIError
from vlmtrust.serve.limits import guard
from vlmtrust.serve.options import ServeOptions, check_exposure, exposure_warning

OWNER = "vlmtrust"
SERVE_FIX = "serve a Generator model (image + prompt -> text), e.g. zoo:assistant"


class _Body(BaseModel):
    # Clients send many optional fields (top_p, seed, user, ...): accept them, use none of them.
    model_config = ConfigDict(extra="ignore")


class TextPart(_Body):
    type: Literal["text"]
    text: str


class ImageURL(_Body):
    url: str
    detail: str | None = None


class ImagePart(_Body):
    type: Literal["image_url"]
    image_url: ImageURL


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]


class ChatMessage(_Body):
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _string_or_parts(cls, content: Any) -> Any:
        if content is not None and not isinstance(content, str | list):
            raise ValueError("content must be a string or a list of parts")
        return content

    @model_validator(mode="after")
    def _images_only_from_users(self) -> ChatMessage:
        if self.role != "user" and self.images():
            raise ValueError(f"image parts are only allowed in user messages, not {self.role}")
        return self

    def text(self) -> str:
        if self.content is None or isinstance(self.content, str):
            return self.content or ""
        return "\n".join(p.text for p in self.content if isinstance(p, TextPart))

    def images(self) -> list[str]:
        if self.content is None or isinstance(self.content, str):
            return []
        return [p.image_url.url for p in self.content if isinstance(p, ImagePart)]


class ChatRequest(_Body):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    seed: int | None = None
    stop: str | list[str] | None = None
    n: int = 1
    stream: bool = False

    @field_validator("n")
    @classmethod
    def _one_choice(cls, n: int) -> int:
        if n != 1:
            raise ValueError("only n=1 is supported (one completion per request)")
        return n

    @field_validator("stream")
    @classmethod
    def _no_stream(cls, stream: bool) -> bool:
        if stream:
            raise ValueError("streaming is not supported; send stream=false")
        return stream


def chat_turns(messages: list[ChatMessage]) -> tuple[list[tuple[Role, str]], str | None]:
    """The (role, text) turns of a chat, system messages first, and its one image data URL
    (shown with the last user message that carries an image), by the module docstring's rule."""
    users = [m for m in messages if m.role == "user"]
    if not users:
        raise OpenAIError(400, "messages must include at least one user message", param="messages")
    images = [url for m in users for url in m.images()]
    if len(images) > 1:
        raise OpenAIError(
            400,
            f"one image per request: this model takes a single image, got {len(images)}",
            param="messages",
        )
    system: list[tuple[Role, str]] = [
        ("system", m.text()) for m in messages if m.role in ("system", "developer") and m.text()
    ]
    turns: list[tuple[Role, str]] = [
        ("user" if m.role == "user" else "assistant", m.text())
        for m in messages
        if m.role in ("user", "assistant")
    ]
    return [*system, *turns], images[0] if images else None


def _conversation(
    turns: list[tuple[Role, str]], image: Image.Image | None, image_at: int
) -> list[Message]:
    return [
        Message(role=role, text=text, images=(image,) if i == image_at and image else ())
        for i, (role, text) in enumerate(turns)
    ]


def _turn_index(messages: list[ChatMessage], index: int) -> int:
    """Where message ``index`` lands in :func:`chat_turns`' order (system messages first)."""
    system = [i for i, m in enumerate(messages) if m.role in ("system", "developer") and m.text()]
    others = [i for i, m in enumerate(messages) if m.role in ("user", "assistant")]
    return len(system) + others.index(index)


def _decoding(body: ChatRequest) -> GenerationOptions:
    stop = [body.stop] if isinstance(body.stop, str) else list(body.stop or [])
    return GenerationOptions(
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature or 0.0,
        seed=body.seed or 0,
        stop=tuple(stop),
    )


def decode_image(url: str, max_pixels: int) -> Image.Image:
    """Decode an inline image of at most ``max_pixels`` (checked from its header, before any
    decoding); anything but a ``data:`` URL is refused, never fetched."""
    if not url.startswith("data:"):
        scheme = url.split(":", 1)[0] if ":" in url else "a non-URL"
        raise OpenAIError(
            400,
            f"only data URLs are accepted for images (got {scheme}); this server never fetches "
            "images: send data:image/png;base64,...",
            param="messages",
            code="invalid_image_url",
        )
    try:
        return from_data_url(url, max_pixels=max_pixels)
    except ValueError as err:
        raise OpenAIError(400, f"invalid image: {err}", param="messages") from err


def _approx_tokens(text: str) -> int:
    """Token counts approximated by whitespace split: the Generator exposes no tokenizer."""
    return len(text.split())


def create_app(model: Generator, model_name: str, options: ServeOptions | None = None) -> FastAPI:
    """An app serving ``model`` under the id ``model_name``, within the limits of ``options``
    (defaults: :class:`ServeOptions`, no API key); calls to it are serialised."""
    if not isinstance(model, Generator):
        raise TypeError(f"{type(model).__name__} has no generate(images, prompts) method")
    options = options or ServeOptions()
    app = FastAPI(title=f"vlmtrust: {model_name}", docs_url=None, redoc_url=None)
    guard(app, options)
    lock = threading.Lock()
    created = int(time.time())

    def run_model(body: ChatRequest, turns: list[tuple[Role, str]], image_url: str | None) -> str:
        users_with_image = [i for i, m in enumerate(body.messages) if m.images()]
        image_at = _turn_index(body.messages, users_with_image[0]) if users_with_image else -1
        with lock:  # decoding too: waiting requests hold their bytes, never a decoded image
            image = None
            if image_url is not None:
                image = decode_image(image_url, options.max_image_pixels)
            outputs = chat_with(model, [_conversation(turns, image, image_at)], _decoding(body))
        if len(outputs) != 1 or not isinstance(outputs[0], str):
            raise OpenAIError(500, "model returned no text", type="server_error")
        return outputs[0]

    @app.exception_handler(OpenAIError)
    async def _openai_error(request: Request, err: OpenAIError) -> JSONResponse:
        return err.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        return OpenAIError(400, _validation_message(err)).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        kind = "invalid_request_error" if err.status_code < 500 else "server_error"
        message = f"{err.detail}: {request.method} {request.url.path}"
        return OpenAIError(err.status_code, message, type=kind).response()

    @app.get("/v1/models")
    async def list_models() -> dict[str, Any]:
        entry = {"id": model_name, "object": "model", "created": created, "owned_by": OWNER}
        return {"object": "list", "data": [entry]}

    @app.post("/v1/chat/completions")
    async def chat_completions(body: ChatRequest) -> dict[str, Any]:
        if body.model != model_name:
            raise OpenAIError(
                404,
                f"the model {body.model!r} does not exist; this server serves {model_name!r}",
                param="model",
                code="model_not_found",
            )
        turns, image_url = chat_turns(body.messages)  # a malformed chat: 400 before the lock
        try:
            text = await run_in_threadpool(run_model, body, turns, image_url)
        except OpenAIError:
            raise
        except Exception as err:  # the model's own failure: report it, keep serving
            message = f"model failed: {type(err).__name__}: {err}"
            raise OpenAIError(500, message, type="server_error") from err
        prompt = "\n".join(text for _, text in turns)
        prompt_tokens, completion_tokens = _approx_tokens(prompt), _approx_tokens(text)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model_name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    return app


def _validation_message(err: RequestValidationError) -> str:
    """One line from pydantic's errors: ``field.path: message``, the first few of them."""
    errors = list(err.errors())
    for error in errors:
        if error.get("type") == "json_invalid":
            return (
                f"request body is not valid JSON ({error.get('ctx', {}).get('error', 'malformed')})"
            )
        if tuple(error.get("loc", ())) == ("body",) and "dict" in str(error.get("msg", "")):
            return "request body must be a JSON object"
    # A list given for a ``str | list`` field also fails the str branch; that error is noise.
    unions = [e for e in errors if not (e.get("loc", ())[-1:] == ("str",) and len(errors) > 1)]
    parts = []
    for error in unions[:3]:
        # Drop "body" and pydantic's union-branch tags such as list[tagged-union[...]].
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body" and "[" not in str(p))
        msg = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "invalid request body: " + "; ".join(parts or ["malformed"])


@dataclass
class ServedModel:
    """A loaded model bound to a listening socket, ready to :meth:`run`."""

    name: str
    url: str
    server: Any  # uvicorn.Server (imported lazily: the CLI stays fast)
    sock: socket.socket

    def run(self) -> None:
        """Serve until Ctrl-C / SIGTERM (uvicorn handles both and shuts down cleanly)."""
        try:
            self.server.run(sockets=[self.sock])
        except KeyboardInterrupt:
            # uvicorn re-raises the Ctrl-C it handled; for a server that is the normal way to
            # stop, not an interrupted scan, so it ends quietly with exit code 0.
            pass
        finally:
            self.sock.close()


def prepare_server(
    spec: str,
    host: str,
    port: int,
    name: str | None = None,
    *,
    options: ServeOptions | None = None,
    allow_remote: bool = False,
) -> ServedModel:
    """Check the host, resolve, check, bind and load, in that order, so an exposed host, a
    wrong model or a busy port fails in a second with a one-line error before weights load."""
    import uvicorn

    from vlmtrust.models.base import resolve_model

    check_exposure(host, allow_remote)
    handle = resolve_model(spec)
    check_capabilities(handle.name, handle.capabilities, ["Generator"], "zoo serve", SERVE_FIX)
    sock = listen(host, port)
    try:
        model = handle.load()
        if not isinstance(model, Generator):
            raise CapabilityError(
                f"model {handle.name} loaded without a generate(images, prompts) method",
                SERVE_FIX,
            )
        served_name = name or handle.name.partition(":")[2] or handle.name
        app = create_app(model, served_name, options)
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5)
        bound_port = sock.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{bound_port}/v1"
        return ServedModel(served_name, url, uvicorn.Server(config), sock)
    except BaseException:
        sock.close()
        raise


def serve_model(
    spec: str,
    host: str,
    port: int,
    name: str | None = None,
    *,
    options: ServeOptions | None = None,
    allow_remote: bool = False,
) -> None:
    """The body of the ``zoo serve`` command: serve a Generator model until interrupted."""
    options = options or ServeOptions()
    check_exposure(host, allow_remote)
    warning = exposure_warning(host, options)
    if warning is not None:  # before loading, so it is seen even if loading fails
        print(warning, file=sys.stderr, flush=True)
    served = prepare_server(spec, host, port, name, options=options, allow_remote=allow_remote)
    print(f"serving {served.name} at {served.url}", flush=True)
    served.run()


def listen(host: str, port: int) -> socket.socket:
    """Bind here rather than in uvicorn, so a busy port is a one-line ConfigError (uvicorn would
    log and exit 1) and ``port=0`` reports the port actually chosen."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as err:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({err.strerror or err})",
            "pick another --port, or stop what is using it",
        ) from err
