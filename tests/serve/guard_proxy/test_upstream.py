"""The proxy and its upstream over real HTTP on 127.0.0.1 (both in this process): the output
guard on answers, whose key goes upstream, the upstream's 4xx passed on, and a 502 for an
upstream that is not there."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import vlmtrust_testing as gen
from PIL import Image

from vlmtrust.data.world import prompts
from vlmtrust.models.images import to_data_url
from vlmtrust.serve.guard_proxy.app import create_proxy_app
from vlmtrust.serve.guard_proxy.decision_log import DecisionLog
from vlmtrust.serve.guard_proxy.policy import GuardPolicy
from vlmtrust.serve.guard_proxy.upstream import Upstream
from vlmtrust.serve.openai_server import create_app
from vlmtrust.serve.options import ServeOptions

UPSTREAM_KEY, PROXY_KEY = "sk-upstream-31b7", "pk-proxy-90c4"
HARMFUL = f"sure, here is {prompts.ALL_HARMFUL[0]}: step one, step two."
ANSWERS = {"first": HARMFUL, "second": "listen you stupid idiot, a red circle."}


class Scripted:
    """A Generator whose answer is picked by a word in the prompt (else a harmless one)."""

    calls = 0

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        self.calls += 1
        return [next((a for w, a in ANSWERS.items() if w in p), "a red circle.") for p in prompts]


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    app = create_app(Scripted(), "scripted", ServeOptions(api_key=UPSTREAM_KEY))
    with gen.serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def proxy(upstream_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The proxy with its own token and its own upstream key; yields (URL, decision log)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TEST_PROXY_UPSTREAM_KEY", UPSTREAM_KEY)
        upstream = Upstream(upstream_url, 30, "TEST_PROXY_UPSTREAM_KEY")
    log = DecisionLog(tmp_path_factory.mktemp("log") / "d.db")
    app = create_proxy_app(upstream, GuardPolicy(), log, proxy_key=PROXY_KEY)
    with gen.serving(app) as url:
        yield url, log
    log.close()


def _ask(url: str, text: str, stream: bool = False, key: str = PROXY_KEY) -> Any:
    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=60)
    messages: Any = [{"role": "user", "content": text}]
    return client.chat.completions.create(model="scripted", messages=messages, stream=stream)


def test_a_harmful_answer_is_replaced_with_the_reason_streamed_and_not(proxy: Any) -> None:
    url, log = proxy
    reply = _ask(url, "the first one, please")
    assert reply.choices[0].message.content == prompts.REFUSAL
    verdict = (reply.model_extra or {})["vlmtrust_guard"]
    assert verdict["verdict"] == "block" and verdict["stage"] == "output"
    assert "harmful" in verdict["reason"]
    chunks = list(_ask(url, "the first one, please", stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == prompts.REFUSAL
    assert (chunks[-1].model_extra or {})["vlmtrust_guard"] == verdict
    assert [(d.verdict, d.stage) for d in log.rows()[-2:]] == [
        ("pass", "input"),
        ("block", "output"),
    ]


def test_an_insult_is_cut_and_a_clean_answer_passes_untouched(proxy: Any) -> None:
    url, _ = proxy
    reply = _ask(url, "the second one")
    assert reply.choices[0].message.content == "a red circle."
    assert (reply.model_extra or {})["vlmtrust_guard"]["verdict"] == "redact"
    clean = _ask(url, "anything")
    assert clean.choices[0].message.content == "a red circle."
    assert "vlmtrust_guard" not in (clean.model_extra or {})


def test_the_proxy_token_is_required_and_never_sent_upstream(proxy: Any) -> None:
    url, _ = proxy
    with pytest.raises(openai.AuthenticationError):
        _ask(url, "anything", key="wrong")
    # the upstream accepts only its own key: an answer means the proxy sent that one
    assert _ask(url, "anything").choices[0].message.content == "a red circle."


def test_the_upstreams_own_4xx_reaches_the_client(proxy: Any) -> None:
    url, _ = proxy
    image = {"type": "image_url", "image_url": {"url": to_data_url(gen.solid("red"))}}
    content = [{"type": "text", "text": "what colours are these?"}, image, image]
    response = httpx.post(
        f"{url}/chat/completions",
        json={"model": "scripted", "messages": [{"role": "user", "content": content}]},
        headers={"authorization": f"Bearer {PROXY_KEY}"},
        timeout=60,
    )
    assert response.status_code == 400, response.text
    assert "one image per request" in response.json()["error"]["message"]


def test_an_unreachable_upstream_is_a_502_in_one_line(tmp_path: Path) -> None:
    upstream = Upstream(f"http://127.0.0.1:{gen.free_port()}/v1", 5)
    log = DecisionLog(tmp_path / "d.db")
    with gen.serving(create_proxy_app(upstream, GuardPolicy(), log)) as url:
        response = httpx.get(f"{url}/models", timeout=30)
    log.close()
    assert response.status_code == 502
    message = response.json()["error"]["message"]
    assert "unreachable" in message and "\n" not in message


def test_over_the_concurrency_cap_is_a_429_and_prompts_are_logged_when_asked(
    tmp_path: Path,
) -> None:
    policy = GuardPolicy(max_concurrency=1, log_prompts=True)
    log = DecisionLog(tmp_path / "d.db")
    body = {"model": "namer", "messages": [{"role": "user", "content": "what colour?"}]}
    with gen.serving(create_app(gen.ColourNamer(delay_s=3), "namer")) as upstream_url:
        app = create_proxy_app(Upstream(upstream_url, 30), policy, log)
        with gen.serving(app) as url, ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(
                pool.map(
                    lambda _: httpx.post(f"{url}/chat/completions", json=body, timeout=60),
                    range(2),
                )
            )
    assert sorted(a.status_code for a in answers) == [200, 429]
    assert all(a.headers["retry-after"] == "1" for a in answers if a.status_code == 429)
    assert [d.prompt for d in log.rows()] == ["what colour?", None]
    log.close()
