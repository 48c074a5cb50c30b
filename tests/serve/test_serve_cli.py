"""`vlmtrust zoo serve` as users run it, each server its own process on 127.0.0.1: the host
check, the exposure warning, the flags reaching the server, and the acceptance measurement that
a decompression-bomb PNG costs the server no memory."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import vlmtrust_testing as gen
from served import serving

from vlmtrust.models.images import to_data_url
from vlmtrust.serve.options import DEFAULT_KEY_ENV

KEY_ENV = "VLMTRUST_TEST_SERVE_KEY"
KEY = "sk-cli-test-52e8b1"
SERVE = [sys.executable, "-m", "vlmtrust", "zoo", "serve", "zoo:assistant"]
MIB = 1024  # /proc reports kB


def _env(**extra: str) -> dict[str, str]:
    """This environment without any serving key, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in (DEFAULT_KEY_ENV, KEY_ENV)}
    return env | extra


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [*SERVE, *args]
    return subprocess.run(command, env=_env(**env), capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_host_beyond_loopback_without_allow_remote_is_a_one_line_error(host: str) -> None:
    result = _run("--host", host, "--port", "0")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith(f"error: --host {host} would expose the model")
    assert "\n" not in message and "Traceback" not in message
    assert "--allow-remote" in message and DEFAULT_KEY_ENV in message


def test_allow_remote_without_a_key_warns_loudly_before_anything_listens() -> None:
    """On a busy port, so the server never listens beyond loopback during the test."""
    with socket.create_server(("127.0.0.1", 0)) as busy:  # 0.0.0.0 on this port is taken too
        port = str(busy.getsockname()[1])
        open_server = _run("--host", "0.0.0.0", "--allow-remote", "--port", port)
        keyed = _run(
            "--host", "0.0.0.0", "--allow-remote", "--port", port, **{DEFAULT_KEY_ENV: KEY}
        )
    warning, error = open_server.stderr.strip().split("\n")
    assert warning.startswith("WARNING: serving on 0.0.0.0 with NO API KEY")
    assert error.startswith(f"error: cannot listen on 0.0.0.0:{port}")
    assert open_server.returncode == keyed.returncode == 2
    assert keyed.stderr.strip().startswith(f"error: cannot listen on 0.0.0.0:{port}")
    assert "WARNING" not in keyed.stderr and KEY not in keyed.stderr + keyed.stdout


# --- one served zoo:assistant, with every flag set -----------------------------------------


class Server:
    """A `vlmtrust zoo serve` process: its URL and pid, and its memory from /proc."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url

    def kb(self, field: str) -> int:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.proc.pid}/status")

    def reset_peak(self) -> bool:
        """Reset VmHWM to the current RSS (Linux >= 4.0), so it shows this test's peak."""
        try:
            with open(f"/proc/{self.proc.pid}/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    args = ["--port", "0", "--max-body-mb", "1", "--max-concurrency", "32"]
    command = [*SERVE, *args, "--api-key-env", KEY_ENV]
    with serving(command, "serving assistant at ", _env(**{KEY_ENV: KEY})) as served:
        yield Server(served.proc, served.url)


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
        yield client


def _chat(http: httpx.Client, url: str | None = None, **kwargs: Any) -> httpx.Response:
    parts: list[dict[str, Any]] = [{"type": "text", "text": "what colour is the object?"}]
    if url is not None:
        parts.append({"type": "image_url", "image_url": {"url": url}})
    body = {"model": "assistant", "messages": [{"role": "user", "content": parts}]}
    return http.post("/chat/completions", json=body, **kwargs)


def _answers(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


def test_the_key_from_api_key_env_is_required(server: Server, http: httpx.Client) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as stranger:
        for headers in ({}, {"authorization": "Bearer sk-wrong"}):
            refused = stranger.get("/models", headers=headers)
            assert (
                refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
            )
    assert http.get("/models").json()["data"][0]["id"] == "assistant"


def test_max_body_mb_reaches_the_server(http: httpx.Client) -> None:
    response = _chat(http, "data:image/png;base64," + "A" * 1_100_000)
    assert response.status_code == 413, response.text
    assert "limit of 1 MB" in response.json()["error"]["message"]


def test_png_bombs_cost_the_server_no_memory_and_it_keeps_serving(
    server: Server, http: httpx.Client
) -> None:
    """The acceptance measurement: one bomb, then 20 at once, each a 400 naming the limit, the
    server's resident memory up by less than 50 MiB, and a normal request served after."""
    bomb = gen.png_bomb()
    assert len(bomb) < 30_000
    bomb_url = "data:image/png;base64," + base64.b64encode(bomb).decode()
    scene = to_data_url(gen.solid("red", (64, 64)))
    assert _answers(_chat(http, scene))  # warm: first-call allocations are not the bomb's
    base = server.kb("VmRSS")
    peak_tracked = server.reset_peak()

    def refused(response: httpx.Response) -> bool:
        message = response.json()["error"]["message"]
        return response.status_code == 400 and "bomb" in message and "40 Mpx" in message

    assert refused(_chat(http, bomb_url))
    after_one = server.kb("VmRSS")

    barrier = threading.Barrier(20)

    def at_once(_: int) -> httpx.Response:
        barrier.wait(timeout=30)
        return _chat(http, bomb_url)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(at_once, range(20)))
    after_twenty = server.kb("VmRSS")
    peak = server.kb("VmHWM") if peak_tracked else None
    print(
        f"\nserver RSS: {base / MIB:.1f} MiB warm; after one bomb {after_one / MIB:.1f} MiB "
        f"({(after_one - base) / MIB:+.1f}); after 20 at once {after_twenty / MIB:.1f} MiB "
        f"({(after_twenty - base) / MIB:+.1f}); peak "
        + (f"{peak / MIB:.1f} MiB ({(peak - base) / MIB:+.1f})" if peak else "not tracked")
    )
    assert [refused(r) for r in responses] == [True] * 20, [r.text for r in responses]
    assert after_one - base < 50 * MIB
    assert after_twenty - base < 50 * MIB
    if peak is not None:
        assert peak - base < 50 * MIB
    assert _answers(_chat(http, scene))
