"""The upstream OpenAI-compatible server the proxy guards: its models and its answers.

Which key goes upstream: the proxy's own (``upstream_key_env``) when the policy names one, else
the client's ``Authorization`` header as it came, unless that header was the proxy's own token
(then nothing: the proxy's token must never leave it). Redirects are not followed, so the
upstream cannot bounce the proxy to another address. An upstream that cannot be reached, or
that fails (5xx), is a 502 with a one-line reason; its 4xx answers reach the client as they are.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from vlmtrust.core.errors import ConfigError
from vlmtrust.serve.errors import OpenAIError

#: how long the upstream's model list is trusted before it is asked again
MODELS_TTL_S = 30.0


class Upstream:
    """An async client of one upstream ``.../v1`` base URL."""

    def __init__(self, base_url: str, timeout_s: float, key_env: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._key: str | None = None
        if key_env is not None:
            self._key = os.environ.get(key_env)
            if not self._key:
                raise ConfigError(
                    f"upstream_key_env {key_env}: the environment variable is not set or empty",
                    f"export {key_env}=<key>, or drop upstream_key_env to forward clients' keys",
                )
        self._http = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)
        self._models: tuple[float, dict[str, Any]] | None = None

    def headers(self, client_auth: str | None) -> dict[str, str]:
        """Headers for an upstream call (``client_auth``: the header to forward, or None)."""
        auth = f"Bearer {self._key}" if self._key is not None else client_auth
        return {"authorization": auth} if auth else {}

    async def models(self, client_auth: str | None) -> dict[str, Any]:
        """The upstream's ``/v1/models`` answer (cached for a few seconds)."""
        if self._models is not None and time.monotonic() - self._models[0] < MODELS_TTL_S:
            return self._models[1]
        body = await self._call("GET", "/models", client_auth)
        self._models = (time.monotonic(), body)
        return body

    async def known_model(self, model: str, client_auth: str | None) -> bool:
        listed = await self.models(client_auth)
        return any(entry.get("id") == model for entry in listed.get("data", []))

    async def chat(self, body: dict[str, Any], client_auth: str | None) -> dict[str, Any]:
        """The upstream's non-streaming chat completion of ``body``."""
        return await self._call("POST", "/chat/completions", client_auth, body)

    async def chat_events(
        self, body: dict[str, Any], client_auth: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        """The upstream's streamed chat completion of ``body``, one SSE event at a time (4xx,
        5xx and an unreachable upstream raise before the first event)."""
        url = f"{self.base_url}/chat/completions"
        headers = self.headers(client_auth)
        try:
            async with self._http.stream("POST", url, json=body, headers=headers) as response:
                if response.status_code != 200:
                    await response.aread()
                    self._check(response)
                async for line in response.aiter_lines():
                    data = line.removeprefix("data:").strip()
                    if not line.startswith("data:") or not data:
                        continue
                    if data == "[DONE]":
                        return
                    event = json.loads(data)
                    if isinstance(event, dict):
                        yield event
        except (httpx.HTTPError, ValueError) as err:
            raise self._unreachable(err) from err

    async def _call(
        self, method: str, path: str, client_auth: str | None, body: Any = None
    ) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            response = await self._http.request(
                method, url, json=body, headers=self.headers(client_auth)
            )
        except httpx.HTTPError as err:
            raise self._unreachable(err) from err
        return self._check(response)

    def _unreachable(self, err: Exception) -> OpenAIError:
        detail = " ".join(f"{type(err).__name__}: {err}".split()).rstrip(":")
        return OpenAIError(
            502,
            f"upstream {self.base_url} unreachable or broken ({detail})",
            type="server_error",
            code="upstream_unreachable",
        )

    def _check(self, response: httpx.Response) -> dict[str, Any]:
        """The JSON of a finished upstream answer; its 4xx as UpstreamRefused, else 502."""
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if 400 <= response.status_code < 500:
            raise UpstreamRefused(response.status_code, answer)
        if response.status_code != 200 or not isinstance(answer, dict):
            raise OpenAIError(
                502,
                f"upstream {self.base_url} answered {response.status_code} "
                f"{'without JSON' if answer is None else 'unexpectedly'}",
                type="server_error",
                code="upstream_error",
            )
        return answer

    async def close(self) -> None:
        await self._http.aclose()


class UpstreamRefused(Exception):
    """The upstream's own 4xx answer, passed to the client unchanged."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"upstream answered {status}")
        self.status = status
        self.body = body
