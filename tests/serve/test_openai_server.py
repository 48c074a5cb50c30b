"""The OpenAI-compatible server, over real HTTP on 127.0.0.1, serving a tiny real Generator."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import vlmtrust_testing as gen
from PIL import Image

from vlmtrust.core.errors import CapabilityError, ConfigError
from vlmtrust.models.images import to_data_url
from vlmtrust.serve.openai_server import create_app, prepare_server, serve_model

NAME = "colour-namer"


@pytest.fixture(scope="module")
def namer() -> Any:
    return gen.ColourNamer(delay_s=0.02)


@pytest.fixture(scope="module")
def base_url(namer: Any) -> Iterator[str]:
    with gen.serving(create_app(namer, NAME)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        yield http


def _user(text: str, image: Image.Image | None = None, url: str | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if image is not None or url is not None:
        parts.append({"type": "image_url", "image_url": {"url": url or to_data_url(image)}})
    return {"role": "user", "content": parts}


def _chat(client: httpx.Client, *messages: dict[str, Any], **extra: Any) -> httpx.Response:
    return client.post(
        "/chat/completions", json={"model": NAME, "messages": list(messages), **extra}
    )


def _assert_error(response: httpx.Response, status: int, *needles: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == ("invalid_request_error" if status < 500 else "server_error")
    message: str = error["message"]
    assert message and "\n" not in message
    for needle in needles:
        assert needle in message
    return message


def test_lists_the_one_served_model(client: httpx.Client) -> None:
    body = client.get("/models").json()
    assert body["object"] == "list"
    assert [(m["id"], m["object"], m["owned_by"]) for m in body["data"]] == [
        (NAME, "model", "vlmtrust")
    ]


def test_chat_completion_with_an_image_names_its_colour(client: httpx.Client) -> None:
    response = _chat(client, _user("what colour is this?", gen.solid("blue")), max_tokens=8)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-") and isinstance(body["created"], int)
    assert body["model"] == NAME
    [choice] = body["choices"]
    assert choice["message"] == {"role": "assistant", "content": "blue"}
    assert choice["finish_reason"] == "stop"
    assert body["usage"] == {"prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5}


def test_chat_completion_without_an_image(client: httpx.Client) -> None:
    response = _chat(client, {"role": "user", "content": "hello there"}, temperature=0)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == gen.NO_IMAGE


def test_a_single_turn_model_sees_the_system_text_then_the_transcript(
    client: httpx.Client, namer: Any
) -> None:
    response = _chat(
        client,
        {"role": "system", "content": "answer in one word"},
        _user("first question", gen.solid("green")),
        {"role": "assistant", "content": "green"},
        {"role": "user", "content": [{"type": "text", "text": "and now?"}]},
        top_p=1,  # standard fields the server does not use are accepted
        user="someone",
    )
    assert response.status_code == 200, response.text
    assert namer.prompts[-1] == (
        "answer in one word\nuser: first question\nassistant: green\nuser: and now?"
    )
    # The one image of the conversation is used even though it came in an earlier turn.
    assert response.json()["choices"][0]["message"]["content"] == "green"
    one_turn = _chat(client, {"role": "system", "content": "be brief"}, _user("hi", None))
    assert one_turn.status_code == 200 and namer.prompts[-1] == "be brief\nhi"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"model": NAME}, "messages"),
        ({"model": NAME, "messages": []}, "messages"),
        ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": NAME, "messages": [{"role": "robot", "content": "hi"}]}, "role"),
        ({"model": NAME, "messages": [{"role": "user", "content": [{"type": "audio"}]}]}, "type"),
        ({"model": NAME, "messages": [{"role": "user", "content": 3}]}, "content"),
        ({"model": NAME, "messages": [{"role": "user", "content": "hi"}], "n": 2}, "n=1"),
        (
            {"model": NAME, "messages": [{"role": "user", "content": "hi"}], "stream": True},
            "stream",
        ),
        ({"model": NAME, "messages": [{"role": "user", "content": "x"}], "temperature": 9}, "temp"),
        ({"model": NAME, "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_"),
        ({"model": NAME, "messages": [{"role": "system", "content": "x"}]}, "user message"),
        ([1, 2], "body"),
    ],
)
def test_malformed_bodies_are_400s_in_openai_shape(
    client: httpx.Client, body: Any, needle: str
) -> None:
    _assert_error(client.post("/chat/completions", json=body), 400, needle)


def test_invalid_json_is_a_400(client: httpx.Client) -> None:
    response = client.post(
        "/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    _assert_error(response, 400, "JSON")


def test_an_image_in_a_system_message_is_rejected(client: httpx.Client) -> None:
    system = _user("x", gen.solid("red")) | {"role": "system"}
    _assert_error(_chat(client, system, _user("hi")), 400, "only allowed in user messages")


def test_more_than_one_image_is_a_400(client: httpx.Client, namer: Any) -> None:
    calls = namer.calls
    message = _user("two?", gen.solid("red"))
    message["content"].append(
        {"type": "image_url", "image_url": {"url": to_data_url(gen.solid("blue"))}}
    )
    _assert_error(_chat(client, message), 400, "one image per request", "got 2")
    assert namer.calls == calls


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/cat.png", "https://example.com/cat.png", "file:///etc/passwd"]
)
def test_image_urls_are_never_fetched(client: httpx.Client, namer: Any, url: str) -> None:
    calls = namer.calls
    _assert_error(_chat(client, _user("hi", url=url)), 400, "only data URLs are accepted")
    assert namer.calls == calls


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("data:image/png;base64,@@@@", "base64"),
        ("data:image/png;base64,aGVsbG8gd29ybGQ=", "readable"),
        ("data:text/plain;base64,aGVsbG8=", "media type"),
        ("data:image/png,rawbytes", "base64"),
    ],
)
def test_broken_data_urls_are_400s(client: httpx.Client, url: str, needle: str) -> None:
    _assert_error(_chat(client, _user("hi", url=url)), 400, "invalid image", needle)


def test_unknown_model_is_a_404(client: httpx.Client) -> None:
    body = {"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]}
    response = client.post("/chat/completions", json=body)
    message = _assert_error(response, 404, "gpt-9", NAME)
    assert "does not exist" in message
    assert response.json()["error"]["code"] == "model_not_found"


def test_unknown_route_is_a_404_in_openai_shape(client: httpx.Client) -> None:
    _assert_error(client.get("/embeddings"), 404)


def test_concurrent_requests_are_answered_but_model_calls_never_overlap(
    client: httpx.Client, namer: Any
) -> None:
    colours = ["red", "green", "blue", "yellow", "black", "white"] * 2
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda c: _chat(client, _user("colour?", gen.solid(c))), colours))
    answers = [r.json()["choices"][0]["message"]["content"] for r in responses]
    assert answers == colours
    assert namer.max_active == 1


class Broken:
    """A Generator whose every call fails, as a model with a bug would."""

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        raise RuntimeError("tensor shapes do not match")


def test_a_failing_model_is_a_500_and_the_server_keeps_serving() -> None:
    with gen.serving(create_app(Broken(), "broken")) as url, httpx.Client(base_url=url) as http:
        body = {"model": "broken", "messages": [{"role": "user", "content": "hi"}]}
        for _ in range(2):
            _assert_error(http.post("/chat/completions", json=body), 500, "tensor shapes")


def test_create_app_rejects_a_non_generator() -> None:
    with pytest.raises(TypeError, match="generate"):
        create_app(object(), "nothing")  # type: ignore[arg-type]


def test_serve_model_refuses_a_model_that_is_not_a_generator(tiny_clip: Path) -> None:
    with pytest.raises(CapabilityError) as err:
        serve_model(f"hf:{tiny_clip}", "127.0.0.1", gen.free_port())
    assert "is not a Generator" in str(err.value) and "\n" not in str(err.value)


def test_serve_model_on_a_busy_port_is_a_one_line_error(base_url: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve_model(f"openai:{base_url}#{NAME}", "127.0.0.1", port)


def test_prepared_server_serves_any_generator_spec(base_url: str) -> None:
    """serve_model's path end to end, with the openai: adapter as the served Generator (a proxy
    in front of the colour namer), on a port the OS picks."""
    served = prepare_server(f"openai:{base_url}#{NAME}", "127.0.0.1", 0)
    assert served.name == NAME and not served.url.endswith(":0/v1")
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    try:
        # The socket listens before uvicorn starts, so early requests wait instead of failing.
        with httpx.Client(base_url=served.url, timeout=10) as http:
            response = _chat(http, _user("colour?", gen.solid("yellow")))
        assert response.json()["choices"][0]["message"]["content"] == "yellow"
    finally:
        served.server.should_exit = True
        thread.join(10)
