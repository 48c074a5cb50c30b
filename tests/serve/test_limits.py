"""The guards in front of the served app (serve/limits.py), over real HTTP on 127.0.0.1: body
size (413, by Content-Length and while a chunked body streams), API key (401), concurrency
(429), and image pixels (a PNG bomb is a 400 and the server keeps serving)."""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import vlmtrust_testing as gen
from PIL import Image

from vlmtrust.models.base import resolve_model
from vlmtrust.models.images import to_data_url
from vlmtrust.serve.openai_server import create_app
from vlmtrust.serve.options import ServeOptions

NAME = "colour-namer"
LIMIT = 64_000  # bytes of body the small-limit server accepts
KEY = "sk-serve-test-7d1f0a"
CHAT = "/v1/chat/completions"
JSON = {"content-type": "application/json"}


def _chat_body(text: str = "colour?", image: Image.Image | None = None, url: str = "") -> Any:
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if image is not None or url:
        parts.append({"type": "image_url", "image_url": {"url": url or to_data_url(image)}})
    return {"model": NAME, "messages": [{"role": "user", "content": parts}]}


def _chat(http: httpx.Client, image: Image.Image | None = None, url: str = "") -> httpx.Response:
    return http.post("/chat/completions", json=_chat_body(image=image, url=url))


def _error(response: httpx.Response, status: int, type: str, code: str | None) -> str:
    """The one-line message of an error in OpenAI's shape, after checking the shape."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["code"]) == (type, code)
    message: str = error["message"]
    assert message and "\n" not in message
    return message


@pytest.fixture(scope="module")
def namer() -> Any:
    return gen.ColourNamer()


@pytest.fixture(scope="module")
def small_body_url(namer: Any) -> Iterator[str]:
    with gen.serving(create_app(namer, NAME, ServeOptions(max_body_bytes=LIMIT))) as url:
        yield url


# --- body size: 413 ------------------------------------------------------------------------


def _raw_exchange(
    base_url: str, head: str, chunks: Sequence[bytes]
) -> tuple[int, dict[str, str], Any]:
    """Send a request head and some body bytes over a plain socket, then read the answer
    without ever sending the rest of the body: an answer at all proves the server refused the
    body before reading it whole (otherwise it would wait for the rest and this would time out)."""
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode("ascii"))
        for chunk in chunks:
            sock.sendall(chunk)
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536)
        head_bytes, _, body = received.partition(b"\r\n\r\n")
        status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in header_lines)
        while len(body) < int(headers["content-length"]):
            body += sock.recv(65536)
    return int(status_line.split()[1]), headers, json.loads(body)


def _assert_413(status: int, headers: dict[str, str], body: Any) -> None:
    assert status == 413, body
    assert body["error"]["code"] == "request_too_large"
    assert "0.064 MB" in body["error"]["message"] and "--max-body-mb" in body["error"]["message"]


def test_declared_length_over_the_limit_is_refused_before_any_body_is_sent(
    small_body_url: str, namer: Any
) -> None:
    calls = namer.calls
    head = (
        f"POST {CHAT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 50000000\r\n\r\n"
    )
    _assert_413(*_raw_exchange(small_body_url, head, []))
    assert namer.calls == calls


def test_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    small_body_url: str, namer: Any
) -> None:
    calls = namer.calls
    head = (
        f"POST {CHAT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 16_384
    over = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * (LIMIT // len(chunk) + 1)
    _assert_413(*_raw_exchange(small_body_url, head, over))  # no final 0-chunk is ever sent
    assert namer.calls == calls


def test_an_http_client_sees_413_with_and_without_content_length(small_body_url: str) -> None:
    body = json.dumps(_chat_body(text="x" * (2 * LIMIT))).encode()
    with httpx.Client(base_url=small_body_url, timeout=10) as http:
        sized = http.post("/chat/completions", content=body, headers=JSON)
        assert sized.request.headers["content-length"] == str(len(body))
        _error(sized, 413, "invalid_request_error", "request_too_large")
        pieces = [body[i : i + 8192] for i in range(0, len(body), 8192)]
        chunked = http.post("/chat/completions", content=iter(pieces), headers=JSON)
        assert "content-length" not in chunked.request.headers
        assert chunked.request.headers["transfer-encoding"] == "chunked"
        _error(chunked, 413, "invalid_request_error", "request_too_large")


def test_bodies_under_the_limit_are_served_chunked_or_not(small_body_url: str) -> None:
    body = json.dumps(_chat_body(text="y " * 20_000, image=gen.solid("green"))).encode()
    assert LIMIT // 2 < len(body) < LIMIT
    with httpx.Client(base_url=small_body_url, timeout=10) as http:
        for content in (body, iter([body[:30_000], body[30_000:]])):
            response = http.post("/chat/completions", content=content, headers=JSON)
            assert response.status_code == 200, response.text
            assert response.json()["choices"][0]["message"]["content"] == "green"


# --- API key: 401 --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_url(namer: Any) -> Iterator[str]:
    with gen.serving(create_app(namer, NAME, ServeOptions(api_key=KEY))) as url:
        yield url


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer sk-guess-123", f"Bearer {KEY}x", f"Bearer {KEY[:-1]}", f"Basic {KEY}", "Bearer"],
)
def test_requests_without_the_right_key_are_401(
    keyed_url: str, namer: Any, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    calls = namer.calls
    with httpx.Client(base_url=keyed_url, headers=headers, timeout=10) as http:
        for response in (http.get("/models"), _chat(http, gen.solid("red")), http.get("/nope")):
            message = _error(response, 401, "invalid_request_error", "invalid_api_key")
            assert response.headers["www-authenticate"] == "Bearer"
            assert KEY not in response.text and "guess" not in message
    assert namer.calls == calls


def test_the_right_key_is_served(keyed_url: str) -> None:
    for scheme in ("Bearer", "bearer"):
        headers = {"authorization": f"{scheme} {KEY}"}
        with httpx.Client(base_url=keyed_url, headers=headers, timeout=10) as http:
            assert http.get("/models").status_code == 200
            response = _chat(http, gen.solid("yellow"))
            assert response.status_code == 200, response.text
            assert response.json()["choices"][0]["message"]["content"] == "yellow"


def test_the_openai_adapter_scans_a_keyed_server(
    keyed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VLMTRUST_TEST_SERVE_KEY", KEY)
    spec = f"openai:{keyed_url}#{NAME}?api_key_env=VLMTRUST_TEST_SERVE_KEY&max_retries=0"
    model = resolve_model(spec).load()
    assert model.generate([gen.solid("blue"), None], ["a", "b"]) == ["blue", gen.NO_IMAGE]


def test_the_key_never_shows_in_options() -> None:
    assert KEY not in repr(ServeOptions(api_key=KEY))


# --- concurrency: 429 ----------------------------------------------------------------------


class Gated:
    """A real Generator (the colour namer) whose calls wait until the test opens the gate."""

    def __init__(self) -> None:
        self.namer = gen.ColourNamer()
        self.entered = threading.Event()
        self.gate = threading.Event()

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        self.entered.set()
        if not self.gate.wait(30):
            raise RuntimeError("the test never opened the gate")
        return self.namer.generate(images, prompts)


def test_requests_beyond_the_cap_are_429_at_once_and_served_again_after() -> None:
    gated = Gated()
    options = ServeOptions(max_concurrency=2, retry_after_s=3)
    with (
        gen.serving(create_app(gated, NAME, options)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        first = pool.submit(_chat, http, gen.solid("red"))
        assert gated.entered.wait(10), "the first request never reached the model"
        second = pool.submit(_chat, http, gen.solid("blue"))  # queues for the model lock
        # Until the second request holds its slot, a cheap request still gets through.
        deadline = time.monotonic() + 10
        while (busy := http.get("/models")).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            for response in (busy, _chat(http, gen.solid("green"))):
                message = _error(response, 429, "requests", "rate_limit_exceeded")
                assert "2 requests" in message and "--max-concurrency" in message
                assert response.headers["retry-after"] == "3"
        finally:
            gated.gate.set()
        answers = [f.result().json()["choices"][0]["message"]["content"] for f in (first, second)]
    assert answers == ["red", "blue"]
    assert gated.namer.max_active == 1 and gated.namer.calls == 2


def test_slots_are_freed_by_refused_and_failed_requests(small_body_url: str) -> None:
    """Errors of every kind give their slot back: far more of them than slots, then a 200."""
    with httpx.Client(base_url=small_body_url, timeout=10) as http:
        for _ in range(ServeOptions().max_concurrency + 2):
            assert _chat(http, url="data:image/png;base64,@@").status_code == 400
            assert http.post("/chat/completions", content=b"z" * (LIMIT + 1)).status_code == 413
        assert _chat(http, gen.solid("black")).status_code == 200


# --- image pixels: the bomb ----------------------------------------------------------------


def test_the_bomb_is_small_and_declares_179_megapixels() -> None:
    bomb = gen.png_bomb()
    assert len(bomb) < 30_000
    # The PNG signature, then the IHDR chunk: its width and height (Pillow refuses to open it).
    assert bomb[:8] == b"\x89PNG\r\n\x1a\n" and bomb[12:16] == b"IHDR"
    assert struct.unpack(">II", bomb[16:24]) == (gen.BOMB_SIDE, gen.BOMB_SIDE)
    assert gen.BOMB_SIDE**2 > 179_000_000


def test_a_png_bomb_is_a_400_naming_the_limit_and_the_server_keeps_serving(
    small_body_url: str, namer: Any
) -> None:
    bomb_url = "data:image/png;base64," + base64.b64encode(gen.png_bomb()).decode()
    calls = namer.calls
    with httpx.Client(base_url=small_body_url, timeout=30) as http:
        for _ in range(3):
            message = _error(_chat(http, url=bomb_url), 400, "invalid_request_error", None)
            assert "decompression bomb" in message and "40 Mpx" in message
        assert namer.calls == calls
        response = _chat(http, gen.solid("white"))
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"] == "white"


def test_the_pixel_cap_is_the_servers_option(namer: Any) -> None:
    options = ServeOptions(max_image_pixels=1000)
    with gen.serving(create_app(namer, NAME, options)) as url, httpx.Client(base_url=url) as http:
        over = _chat(http, gen.solid("red", (40, 40)))
        message = _error(over, 400, "invalid_request_error", None)
        assert "40x40 pixels is over the limit of 1000 px" in message
        under = _chat(http, gen.solid("red", (40, 25)))
        assert under.json()["choices"][0]["message"]["content"] == "red"


@pytest.mark.parametrize(
    "field", ["max_body_bytes", "max_image_pixels", "max_concurrency", "retry_after_s"]
)
def test_options_refuse_limits_below_one(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ServeOptions(**{field: 0})
