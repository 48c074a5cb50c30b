"""The openai: adapter against real HTTP servers on 127.0.0.1: the vlmtrust server over a tiny
real Generator, and small scripted servers that fail, rate-limit or check the API key."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import vlmtrust_testing as gen
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image

from vlmtrust.core.capabilities import Generator, capabilities_of
from vlmtrust.core.errors import ConfigError, ModelLoadError
from vlmtrust.models.base import ModelHandle, resolve_model
from vlmtrust.models.images import from_data_url, to_data_url
from vlmtrust.models.openai import OpenAIGenerator, RemoteModelError
from vlmtrust.serve.openai_server import create_app

NAME = "colour-namer"
FAST = "max_retries=3&backoff_s=0.01&timeout_s=5"


def _load(spec: str) -> OpenAIGenerator:
    model = resolve_model(spec).load()
    assert isinstance(model, OpenAIGenerator)
    return model


# --- the real server over the colour namer -------------------------------------------------


@pytest.fixture(scope="module")
def namer() -> Any:
    return gen.ColourNamer(delay_s=0.01)


@pytest.fixture(scope="module")
def colour_url(namer: Any) -> Iterator[str]:
    with gen.serving(create_app(namer, NAME)) as url:
        yield url


def test_generate_end_to_end_keeps_input_order(colour_url: str, namer: Any) -> None:
    colours = ["red", "green", "blue", "yellow", "black", "white", "blue", "red"]
    images: list[Image.Image | None] = [gen.solid(c) for c in colours]
    images.insert(3, None)
    expected = [*colours[:3], gen.NO_IMAGE, *colours[3:]]
    model = _load(f"openai:{colour_url}#{NAME}?concurrency=4")
    assert isinstance(model, Generator) and "Generator" in capabilities_of(model)
    before = namer.calls
    assert model.generate(images, ["what colour?"] * len(images)) == expected
    assert model.calls == 1  # one count per generate call, as every adapter
    assert namer.calls - before == len(images)  # one request per (image, prompt)
    assert namer.max_active == 1  # the server serialised the concurrent requests
    assert model.generate([], []) == []
    with pytest.raises(ValueError, match="2 images but 1 prompts"):
        model.generate([None, None], ["x"])


def test_without_a_model_name_the_only_served_model_is_used(colour_url: str) -> None:
    model = _load(f"openai:{colour_url}")
    assert model.model == NAME
    assert model.generate([gen.solid("green")], ["colour?"]) == ["green"]


def test_a_model_the_server_does_not_serve_is_a_load_error(colour_url: str) -> None:
    handle = resolve_model(f"openai:{colour_url}#llava")
    with pytest.raises(
        ModelLoadError, match=re.escape(f"'llava' is not served at {colour_url}")
    ) as err:
        handle.load()
    assert f"available: {NAME}" in str(err.value)


def test_a_port_nobody_listens_on_fails_at_load_naming_the_url() -> None:
    url = f"http://127.0.0.1:{gen.free_port()}/v1"
    handle = resolve_model(f"openai:{url}#m")  # planning never touches the network
    with pytest.raises(ModelLoadError) as err:
        handle.load()
    message = str(err.value)
    assert f"cannot reach {url}" in message and "start the server or fix the URL" in message
    assert "\n" not in message


# --- resolve: offline validation and identity ----------------------------------------------


def test_resolve_validates_offline_and_describes_a_generator() -> None:
    handle = resolve_model(f"openai:http://127.0.0.1:{gen.free_port()}/v1#llava?concurrency=2")
    assert handle.kind == "openai" and handle.name == "openai:llava"
    assert handle.capabilities == frozenset({"Generator"})
    assert handle.options["concurrency"] == 2 and handle.options["timeout_s"] == 60.0
    assert handle.options["api_key_env"] == "OPENAI_API_KEY"


def test_fingerprint_is_url_model_and_output_options_only() -> None:
    def fp(spec: str) -> str:
        return resolve_model(f"openai:{spec}").fingerprint

    base = fp("http://host:8000/v1#m")
    assert fp("HTTP://Host:8000/v1/#m") == base  # normalised URL
    assert fp("http://host:8000/v1#m?concurrency=9&timeout_s=3&max_retries=0") == base
    assert fp("https://host/v1#m") == fp("https://host:443/v1#m")
    for other in [
        "http://host:8000/v1#m2",
        "http://host:8001/v1#m",
        "http://host:8000/v2#m",
        "http://host:8000/v1#m?max_tokens=16",
        "http://host:8000/v1#m?temperature=0.7",
    ]:
        assert fp(other) != base, other


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("openai:ftp://host/v1#m", "must start with http"),
        ("openai:127.0.0.1:8000/v1#m", "must start with http"),
        ("openai:http:///v1#m", "has no host"),
        ("openai:http://host:99999/v1#m", "malformed"),
        ("openai:http://user:secret@host/v1#m", "must not hold credentials"),
        ("openai:http://host/v1#m?timeout_s=-1", "timeout_s"),
        ("openai:http://host/v1#m?concurrency=lots", "concurrency"),
        ("openai:http://host/v1#m?bogus=1", "bogus"),
        ("openai:http://host/v1?timeout_s=1&timeout_s=2", "given twice"),
        ("openai:http://host/v1#m?timeout_s", "cannot parse options"),
        ("openai:", "has no scheme"),
    ],
)
def test_bad_specs_are_one_line_config_errors(spec: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        resolve_model(spec)
    assert needle in str(err.value) and "\n" not in str(err.value)
    assert "secret" not in str(err.value)


# --- scripted servers: failures, rate limits, keys -----------------------------------------

Answer = Callable[[int, dict[str, Any]], Awaitable[JSONResponse | None]]


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }


class Scripted:
    """An OpenAI-style server whose chat answers a test scripts (``answer`` returning None means
    a normal completion echoing the prompt); it records every request's time and headers."""

    def __init__(
        self, answer: Answer, models: tuple[str, ...] = ("scripted",), key: str | None = None
    ) -> None:
        self.requests: list[tuple[float, dict[str, str], dict[str, Any]]] = []
        self.app = FastAPI()

        def refused(request: Request) -> JSONResponse | None:
            if key is not None and request.headers.get("authorization") != f"Bearer {key}":
                error = {"message": "Incorrect API key provided", "type": "invalid_request_error"}
                return JSONResponse({"error": error}, status_code=401)
            return None

        @self.app.get("/v1/models")
        async def list_models(request: Request) -> Any:
            return refused(request) or {"object": "list", "data": [{"id": m} for m in models]}

        @self.app.post("/v1/chat/completions")
        async def chat(request: Request) -> Any:
            body = await request.json()
            index = len(self.requests)
            self.requests.append((time.monotonic(), dict(request.headers), body))
            denied = refused(request)
            if denied is not None:
                return denied
            scripted = await answer(index, body)
            return scripted or completion(_prompt(body))


def _prompt(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return next(p["text"] for p in content if p["type"] == "text")


@contextmanager
def scripted(answer: Answer, **kwargs: Any) -> Iterator[tuple[Scripted, str]]:
    server = Scripted(answer, **kwargs)
    with gen.serving(server.app) as url:
        yield server, url


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": "server_error"}}
    return JSONResponse(body, status_code=status, headers=headers)


def test_server_errors_are_retried_until_it_recovers() -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        return error(500, "internal error") if index < 2 else None

    with scripted(answer) as (server, url):
        model = _load(f"openai:{url}#scripted?{FAST}")
        assert model.generate([gen.solid("red")], ["hello"]) == ["hello"]
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("headers", "wait_s"), [({"Retry-After": "1"}, 1.0), ({"retry-after-ms": "400"}, 0.4)]
)
def test_rate_limits_honour_the_servers_retry_after(headers: dict[str, str], wait_s: float) -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        return error(429, "rate limit reached", headers) if index == 0 else None

    with scripted(answer) as (server, url):
        model = _load(f"openai:{url}#scripted?{FAST}")
        assert model.generate([None], ["hi"]) == ["hi"]
    (first, *_), (second, *_) = server.requests
    assert second - first >= wait_s * 0.95  # backoff_s=0.01 alone would retry at once


def test_exhausted_retries_are_one_clear_error_naming_url_and_status() -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        return error(503, "overloaded,\n try later")

    with scripted(answer) as (server, url):
        model = _load(f"openai:{url}#scripted?max_retries=2&backoff_s=0.01")
        with pytest.raises(RemoteModelError) as err:
            model.generate([None], ["hi"])
    message = str(err.value)
    assert isinstance(err.value, ModelLoadError)  # the CLI exits 2, stored results are kept
    assert url in message and "HTTP 503" in message and "3 attempts" in message
    assert "overloaded, try later" in message and "\n" not in message
    assert len(server.requests) == 3


def test_a_timeout_is_retried_then_reported() -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        await asyncio.sleep(0.5)
        return None

    with scripted(answer) as (server, url):
        model = _load(f"openai:{url}#scripted?timeout_s=0.2&max_retries=1&backoff_s=0.01")
        with pytest.raises(RemoteModelError, match="failed after 2 attempts"):
            model.generate([None], ["hi"])
    assert len(server.requests) == 2


def test_other_client_errors_fail_at_once_with_the_servers_message() -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        return JSONResponse({"error": {"message": "max_tokens is too large"}}, status_code=400)

    with scripted(answer) as (server, url):
        model = _load(f"openai:{url}#scripted?{FAST}")
        with pytest.raises(RemoteModelError, match="HTTP 400: max_tokens is too large"):
            model.generate([None], ["hi"])
    assert len(server.requests) == 1


def test_a_text_only_model_rejecting_images_says_so() -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        if isinstance(body["messages"][-1]["content"], list):
            message = "Image input is not supported for this model"
            return JSONResponse({"error": {"message": message}}, status_code=400)
        return None

    with scripted(answer, models=("textonly",)) as (_, url):
        model = _load(f"openai:{url}#textonly?{FAST}")
        assert model.generate([None], ["plain text works"]) == ["plain text works"]
        with pytest.raises(RemoteModelError) as err:
            model.generate([gen.solid("red")], ["and an image?"])
    message = str(err.value)
    assert f"model textonly at {url} rejected image input" in message
    assert message.endswith("pick a vision model")


def test_outputs_follow_input_order_when_answers_arrive_out_of_order() -> None:
    completed: list[str] = []

    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        await asyncio.sleep(0.05 * (6 - int(_prompt(body))))  # later prompts answer first
        completed.append(_prompt(body))
        return None

    prompts = [str(i) for i in range(6)]
    with scripted(answer) as (_, url):
        model = _load(f"openai:{url}#scripted?concurrency=6&{FAST}")
        assert model.generate([None] * 6, prompts) == prompts
    assert completed != prompts  # the answers really did arrive out of order


def test_request_shape_sends_the_image_as_a_png_data_url() -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        return None

    image = gen.solid("yellow", size=(7, 5))
    with scripted(answer) as (server, url):
        _load(f"openai:{url}#scripted?max_tokens=12&{FAST}").generate([image], ["what?"])
    (_, headers, body), *_ = server.requests
    assert body["model"] == "scripted" and body["max_tokens"] == 12 and body["temperature"] == 0
    [message] = body["messages"]
    image_part, text_part = message["content"]
    assert text_part == {"type": "text", "text": "what?"}
    assert image_part["image_url"]["url"].startswith("data:image/png;base64,")
    assert from_data_url(image_part["image_url"]["url"]).tobytes() == image.tobytes()
    assert "authorization" not in headers or not headers["authorization"]


def test_the_api_key_is_sent_as_bearer_and_never_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        return None

    key = "sk-test-4f9c2e"
    with scripted(answer, key=key) as (server, url):
        spec = f"openai:{url}#scripted?api_key_env=VLMTRUST_TEST_KEY&{FAST}"
        monkeypatch.delenv("VLMTRUST_TEST_KEY", raising=False)
        with pytest.raises(ModelLoadError, match=r"refused the API key .*VLMTRUST_TEST_KEY"):
            resolve_model(spec).load()
        monkeypatch.setenv("VLMTRUST_TEST_KEY", key)
        handle = resolve_model(spec)
        model = handle.load()
        assert isinstance(model, OpenAIGenerator)
        assert model.generate([None], ["hi"]) == ["hi"]
    assert server.requests[-1][1]["authorization"] == f"Bearer {key}"
    for text in (repr(handle.model_dump()), handle.model_dump_json(), handle.fingerprint):
        assert key not in text
    assert key not in repr(ModelHandle.model_validate(handle.model_dump()))


def test_a_server_listing_several_models_needs_a_name() -> None:
    async def answer(index: int, body: dict[str, Any]) -> JSONResponse | None:
        return None

    with scripted(answer, models=("llava", "qwen-vl")) as (_, url):
        with pytest.raises(ModelLoadError, match=re.escape("serves 2 models (llava, qwen-vl)")):
            resolve_model(f"openai:{url}").load()
        assert _load(f"openai:{url}#qwen-vl").model == "qwen-vl"


# --- data URLs -------------------------------------------------------------------------------


def test_data_urls_round_trip_pixels_exactly() -> None:
    image = gen.solid("blue", size=(9, 4))
    url = to_data_url(image)
    assert url.startswith("data:image/png;base64,")
    decoded = from_data_url(url)
    assert decoded.mode == "RGB" and decoded.size == (9, 4)
    assert decoded.tobytes() == image.tobytes()
    assert from_data_url(to_data_url(image.convert("RGBA"))).mode == "RGB"


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("https://example.com/a.png", "not a data URL"),
        ("data:image/png;base64", "not a data URL"),
        ("data:text/plain;base64,aGk=", "media type 'text/plain'"),
        ("data:image/png,abc", "not base64-encoded"),
        ("data:image/png;base64,a$b", "not valid base64"),
        ("data:image/png;base64,", "no image bytes"),
        ("data:image/png;base64,aGVsbG8gd29ybGQ=", "does not hold a readable image/png image"),
    ],
)
def test_malformed_data_urls_are_clear_value_errors(url: str, needle: str) -> None:
    with pytest.raises(ValueError, match=re.escape(needle)):
        from_data_url(url)


def test_data_urls_decode_sixteen_bit_images_as_their_shades() -> None:
    """A 16-bit greyscale PNG sent to a server used to arrive as flat white."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    ramp = (np.arange(16, dtype=np.uint16).reshape(4, 4) * 4000).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(ramp).save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    assert len(np.unique(np.asarray(from_data_url(url)))) == 16


def test_chat_sends_every_turn_and_the_decoding_options(colour_url: str, namer: Any) -> None:
    from vlmtrust.core.chat import GenerationOptions, Message

    model = _load(f"openai:{colour_url}#{NAME}")
    conversation = [
        Message(role="system", text="one word."),
        Message(role="user", text="what colour?", images=(gen.solid("red"),)),
        Message(role="assistant", text="red"),
        Message(role="user", text="sure?"),
    ]
    before = model.calls
    answers = model.chat([conversation, conversation[1:2]], GenerationOptions(stop=("e",)))
    assert answers == ["r", "r"]  # the namer answers "red"; cut before the stop string
    assert model.calls == before + 1
    assert "one word.\nuser: what colour?\nassistant: red\nuser: sure?" in namer.prompts
