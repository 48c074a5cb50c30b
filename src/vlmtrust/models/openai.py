"""``openai:URL#MODEL``: a Generator behind any OpenAI-compatible chat API (vLLM, llama.cpp,
Ollama, OpenAI itself, or the ``zoo serve`` command).

Spec: ``openai:URL[#MODEL][?key=value&...]``, e.g.
``openai:http://127.0.0.1:8000/v1#llava?timeout_s=30&concurrency=2``. ``URL`` is the API base
(the part before ``/chat/completions``); without ``#MODEL`` the server's only model is used
(found at load time; an error if it serves several). Options (see :class:`OpenAIOptions`) come
after ``?`` at the very end; a query string on the base URL itself is therefore not supported.

Identity: a remote model's weights cannot be hashed, so the fingerprint is a hash of the
normalised base URL, the model name and the options that change outputs (``max_tokens``,
``temperature``). When the deployment behind a name changes, change the name (e.g. serve
``llava-v2``), or stored results will be reused as if nothing changed. Omitting ``#MODEL`` makes
this weaker still (the name is not known at planning time), so pin it for cached scans.

The API key is read from the environment variable named by ``api_key_env`` at load time and is
never stored in the handle, its options or its fingerprint, so it never reaches a results store.
"""

from __future__ import annotations

import email.utils
import os
import random
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from PIL import Image
from pydantic import Field

from vlmtrust.core.chat import (
    Conversation,
    GenerationOptions,
    Message,
    check_conversation,
    image_count,
    until_stop,
)
from vlmtrust.core.errors import ConfigError, ModelLoadError
from vlmtrust.core.spec import Params, Spec, canonical_json, sha256_hex, validate_params
from vlmtrust.models.base import ModelAdapter, ModelHandle, ModelKind, parse_query_options
from vlmtrust.models.images import to_data_url

GENERATOR_CAPABILITIES = frozenset({"Generator"})
# Worth retrying: rate limits, timeouts, conflicts and server-side failures. Other 4xx are our
# request's fault and would fail the same way again.
_RETRY_STATUSES = frozenset({408, 409, 425, 429})
_IMAGE_WORDS = re.compile(r"image|vision|multimodal|multi-modal", re.IGNORECASE)


class OpenAIOptions(Params):
    """Options of an ``openai:`` model; all but ``max_tokens``/``temperature`` are transport."""

    api_key_env: str = Field(default="OPENAI_API_KEY", min_length=1)
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    concurrency: int = Field(default=4, ge=1)
    max_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0)
    #: sent as the request's ``seed`` when set (servers that sample then repeat themselves)
    seed: int | None = None
    # Exponential backoff starts here and doubles per retry (with jitter), capped at
    # max_backoff_s; the cap also bounds how long a server's Retry-After is honoured.
    backoff_s: float = Field(default=1.0, ge=0)
    max_backoff_s: float = Field(default=60.0, ge=0)


# The options that change what the model answers, hence part of the fingerprint.
_OUTPUT_OPTIONS = ("max_tokens", "temperature")


class RemoteModelError(ModelLoadError):
    """A remote model failed for good (retries exhausted, request refused); one line naming the
    URL and the last status, so the CLI exits 2 and results already stored are kept."""


class OpenAIModelKind(ModelKind):
    """``openai:URL#MODEL?options``: parsed and validated offline; the network is touched only
    at :meth:`load`."""

    @classmethod
    def resolve(cls, target: str) -> ModelHandle:
        base_url, model, options = parse_target(target)
        output_options = {k: getattr(options, k) for k in _OUTPUT_OPTIONS}
        if options.seed is not None:  # only when set, so fingerprints without one are unchanged
            output_options["seed"] = options.seed
        return ModelHandle(
            spec=f"openai:{target}",
            kind="openai",
            name=f"openai:{model or urlsplit(base_url).netloc}",
            fingerprint=sha256_hex("openai", base_url, model, canonical_json(output_options)),
            capabilities=GENERATOR_CAPABILITIES,
            options={"base_url": base_url, "model": model, **options.model_dump()},
        )

    @classmethod
    def load(cls, handle: ModelHandle) -> OpenAIGenerator:
        """Open a client and ask ``/models`` once: the endpoint is up and serves the model."""
        options = OpenAIOptions.model_validate(
            {k: v for k, v in handle.options.items() if k not in ("base_url", "model")}
        )
        base_url: str = handle.options["base_url"]
        headers = {"Accept": "application/json"}
        key = os.environ.get(options.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(options.timeout_s),
            limits=httpx.Limits(max_connections=options.concurrency),
        )
        try:
            model = _pick_model(client, base_url, handle.options["model"], options.api_key_env)
        except BaseException:
            client.close()
            raise
        return OpenAIGenerator(handle, client, base_url, model, options)


def parse_target(target: str) -> tuple[str, str, OpenAIOptions]:
    """``URL[#MODEL][?opts]`` -> (normalised base URL, model or "", options); no network."""
    rest, _, model = target.partition("#")
    if model:
        model, _, query = model.partition("?")
    else:
        rest, _, query = rest.partition("?")
    model = model.strip()
    base_url = normalise_url(rest.strip())
    params = parse_query_options(query, f"openai:{target}", "openai:URL#MODEL?key=value&key=value")
    options = validate_params(OpenAIOptions, Spec(name="openai", params=params))
    return base_url, model, options


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no trailing slash; errors are one line."""
    hint = "write openai:http://HOST:PORT/v1#MODEL"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise ConfigError(f"openai: URL {url!r} is malformed ({err})", hint) from err
    if parts.scheme.lower() not in ("http", "https"):
        raise ConfigError(f"openai: URL {url!r} must start with http:// or https://", hint)
    if not parts.hostname:
        raise ConfigError(f"openai: URL {url!r} has no host", hint)
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            "openai: URL must not hold credentials (they would end up in stored results)",
            "put the key in an environment variable and pass ?api_key_env=NAME",
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"openai: URL {url!r} must not hold a query string", hint)
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


def _pick_model(client: httpx.Client, base_url: str, wanted: str, api_key_env: str) -> str:
    """The served model to use: ``wanted`` if listed, else the only one listed."""
    url = f"{base_url}/models"
    try:
        response = client.get(url)
    except httpx.HTTPError as err:
        raise ModelLoadError(
            f"cannot reach {base_url} ({_one_line(str(err)) or type(err).__name__})",
            "start the server or fix the URL",
        ) from err
    if response.status_code in (401, 403):
        raise ModelLoadError(
            f"{base_url} refused the API key (HTTP {response.status_code})",
            f"set {api_key_env} to a valid key (or pass ?api_key_env=NAME)",
        )
    if response.status_code != 200:
        raise ModelLoadError(
            f"{url} answered HTTP {response.status_code}: {_error_message(response)}",
            "check that URL is an OpenAI-compatible API base (usually ending in /v1)",
        )
    try:
        ids = [str(entry["id"]) for entry in response.json()["data"]]
    except (ValueError, KeyError, TypeError) as err:
        raise ModelLoadError(
            f"{url} did not answer with an OpenAI model list",
            "check that URL is an OpenAI-compatible API base (usually ending in /v1)",
        ) from err
    available = ", ".join(ids) or "none"
    if wanted:
        if wanted not in ids:
            raise ModelLoadError(
                f"model {wanted!r} is not served at {base_url} (available: {available})",
                f"use openai:{base_url}#NAME with one of those",
            )
        return wanted
    if len(ids) != 1:
        raise ModelLoadError(
            f"{base_url} serves {len(ids)} models ({available}), so the spec must name one",
            f"write openai:{base_url}#MODEL",
        )
    return ids[0]


class _Aborted(Exception):
    """Another request of the same call failed for good; stop retrying this one."""


class OpenAIGenerator(ModelAdapter):
    """Generator over HTTP: one chat request per (image, prompt), ``concurrency`` in flight,
    retried with backoff on rate limits, server errors and dropped connections."""

    def __init__(
        self,
        handle: ModelHandle,
        client: httpx.Client,
        base_url: str,
        model: str,
        options: OpenAIOptions,
    ) -> None:
        super().__init__(handle)
        self._client = client
        self.base_url = base_url
        self.model = model
        self.options = options
        self._url = f"{base_url}/chat/completions"

    def generate(self, images: Sequence[Image.Image | None], prompts: Sequence[str]) -> list[str]:
        """Texts in input order; raises RemoteModelError once any request fails for good."""
        if len(images) != len(prompts):
            raise ValueError(f"{len(images)} images but {len(prompts)} prompts")
        self._count()
        return self._run(
            [
                (_user_turn(image, prompt), image is not None)
                for image, prompt in zip(images, prompts, strict=True)
            ]
        )

    def chat(self, conversations: Sequence[Conversation], options: GenerationOptions) -> list[str]:
        """One answer per conversation, every turn and image sent as OpenAI chat messages (the
        server applies the model's template); ``options`` set the temperature, seed and stop
        strings and may shorten the spec's ``max_tokens`` (its ceiling)."""
        for conversation in conversations:
            check_conversation(conversation)
        self._count()
        decoding: dict[str, Any] = {
            "max_tokens": min(
                options.max_tokens or self.options.max_tokens, self.options.max_tokens
            ),
            "temperature": options.temperature,
            "seed": options.seed,
        }
        if options.stop:
            decoding["stop"] = list(options.stop)
        calls = [(_openai_messages(c), image_count(c) > 0) for c in conversations]
        answers = self._run(calls, decoding)
        return [until_stop(a, options.stop) for a in answers]

    def chat_messages(self, conversations: Sequence[list[dict[str, Any]]]) -> list[str]:
        """One answer per conversation of raw OpenAI chat messages (e.g. a user turn and the
        assistant turn a guard model judges), in input order, with the spec's decoding."""
        self._count()
        return self._run([(list(c), _has_image(c)) for c in conversations])

    def _run(
        self,
        calls: Sequence[tuple[list[dict[str, Any]], bool]],
        decoding: dict[str, Any] | None = None,
    ) -> list[str]:
        """Every (messages, has_image) call, ``concurrency`` in flight, answers in input order."""
        if not calls:
            return []
        abort = threading.Event()
        pool = ThreadPoolExecutor(
            max_workers=min(self.options.concurrency, len(calls)),
            thread_name_prefix="vlmtrust-openai",
        )
        try:
            futures = [
                pool.submit(self._complete, messages, has_image, abort, decoding or {})
                for messages, has_image in calls
            ]
            wait(futures, return_when=FIRST_EXCEPTION)
            for future in futures:
                error = future.exception() if future.done() and not future.cancelled() else None
                if error is not None:
                    raise error
            return [future.result() for future in futures]
        finally:
            # After a failure or Ctrl-C, queued requests are dropped and in-flight ones stop at
            # their next retry instead of running the full backoff schedule.
            abort.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._client.close()

    def _complete(
        self,
        messages: list[dict[str, Any]],
        has_image: bool,
        abort: threading.Event,
        decoding: dict[str, Any],
    ) -> str:
        payload = {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.options.max_tokens,
            "temperature": self.options.temperature,
        }
        if self.options.seed is not None:
            payload["seed"] = self.options.seed
        payload |= decoding
        return self._parse(self._post(payload, has_image=has_image, abort=abort))

    def _post(self, payload: dict[str, Any], has_image: bool, abort: threading.Event) -> Any:
        """POST with retries; returns the decoded JSON of the first 200 answer."""
        last = "no answer"
        for attempt in range(self.options.max_retries + 1):
            if abort.is_set():
                raise _Aborted
            retry_after: float | None = None
            try:
                response = self._client.post(self._url, json=payload)
            except httpx.TransportError as err:  # refused, reset, timed out
                last = _one_line(str(err)) or type(err).__name__
            else:
                status = response.status_code
                if status == 200:
                    try:
                        return response.json()
                    except ValueError as err:
                        raise self._error("answered with invalid JSON") from err
                last = f"HTTP {status}: {_error_message(response)}"
                if status not in _RETRY_STATUSES and status < 500:
                    raise self._refused(status, response, has_image)
                retry_after = _retry_after(response)
            if attempt == self.options.max_retries:
                break
            if abort.wait(self._delay(attempt, retry_after)):
                raise _Aborted
        tries = self.options.max_retries + 1
        raise self._error(f"failed after {tries} attempts (last: {last})")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After when given, else exponential backoff with jitter."""
        if retry_after is not None:
            return min(retry_after, self.options.max_backoff_s)
        base = self.options.backoff_s * 2.0**attempt
        return min(base / 2 + random.uniform(0, base / 2), self.options.max_backoff_s)

    def _refused(self, status: int, response: httpx.Response, has_image: bool) -> RemoteModelError:
        message = _error_message(response)
        if status in (401, 403):
            return RemoteModelError(
                f"{self.base_url} refused the API key (HTTP {status}: {message})",
                f"set {self.options.api_key_env} to a valid key",
            )
        if has_image and status in (400, 415, 422) and _IMAGE_WORDS.search(message):
            return RemoteModelError(
                f"model {self.model} at {self.base_url} rejected image input "
                f"(HTTP {status}: {message})",
                "pick a vision model",
            )
        return self._error(f"refused the request (HTTP {status}: {message})")

    def _error(self, what: str) -> RemoteModelError:
        return RemoteModelError(
            f"model {self.model} at {self.base_url} {what}",
            "check the server; results already stored are kept, re-run to resume",
        )

    def _parse(self, body: Any) -> str:
        try:
            message = body["choices"][0]["message"]
            text = message.get("content")
            if text is None:  # OpenAI puts a refusal beside an empty content
                text = message.get("refusal") or ""
        except (KeyError, IndexError, TypeError, AttributeError) as err:
            raise self._error("answered without choices[0].message") from err
        if not isinstance(text, str):
            raise self._error("answered with non-text content")
        return text


def _user_turn(image: Image.Image | None, prompt: str) -> list[dict[str, Any]]:
    """One user message: the prompt, after the image as a PNG data URL when there is one."""
    content: str | list[dict[str, Any]] = prompt
    if image is not None:
        content = [
            {"type": "image_url", "image_url": {"url": to_data_url(image)}},
            {"type": "text", "text": prompt},
        ]
    return [{"role": "user", "content": content}]


def _openai_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """A conversation as OpenAI chat messages: plain text, or image parts then the text."""
    out: list[dict[str, Any]] = []
    for m in messages:
        content: str | list[dict[str, Any]] = m.text
        if m.images:
            content = [
                *({"type": "image_url", "image_url": {"url": to_data_url(i)}} for i in m.images),
                {"type": "text", "text": m.text},
            ]
        out.append({"role": m.role, "content": content})
    return out


def _has_image(messages: Sequence[dict[str, Any]]) -> bool:
    return any(
        isinstance(m.get("content"), list)
        and any(isinstance(p, dict) and p.get("type") == "image_url" for p in m["content"])
        for m in messages
    )


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (OpenAI) or ``Retry-After`` (seconds or a date)."""
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_message(response: httpx.Response) -> str:
    """The server's own explanation: OpenAI's ``error.message``, else the start of the body."""
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return _one_line(str(error["message"]))
        if isinstance(error, str):
            return _one_line(error)
        if isinstance(body, dict) and body.get("detail"):
            return _one_line(str(body["detail"]))
    except ValueError:
        pass
    return _one_line(response.text) or response.reason_phrase or "no message"


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
