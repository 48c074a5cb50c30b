"""Starting `vlmtrust guard serve`: refusals that come before anything listens, as one line and
exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.serve.guard_proxy.policy import GuardPolicy
from vlmtrust.serve.guard_proxy.server import proxy_key

GUARD = [sys.executable, "-m", "vlmtrust", "guard", "serve"]


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GUARD, *args], env=os.environ | env, capture_output=True, text=True, timeout=120
    )


def test_beyond_loopback_a_proxy_token_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="no proxy token is set"):
        proxy_key(GuardPolicy(), "0.0.0.0")
    assert proxy_key(GuardPolicy(), "127.0.0.1") is None
    monkeypatch.setenv("TEST_GUARD_PROXY_TOKEN", "tok-1")
    assert proxy_key(GuardPolicy(proxy_key_env="TEST_GUARD_PROXY_TOKEN"), "0.0.0.0") == "tok-1"


@pytest.mark.parametrize(
    ("args", "policy", "needle"),
    [
        (["--host", "0.0.0.0"], "", "error: --host 0.0.0.0 would let anyone"),
        ([], "upstream_timeout = 3\n", "upstream_timeout: Extra inputs are not permitted"),
        ([], 'upstream_key_env = "TEST_GUARD_UNSET_KEY"\n', "upstream_key_env"),
    ],
)
def test_bad_starts_are_one_line_errors(
    tmp_path: Path, args: list[str], policy: str, needle: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(policy)
    upstream = ["--upstream", "http://127.0.0.1:9/v1", "--port", "0", "--policy", str(path)]
    result = _run(*upstream, *args)
    assert result.returncode == 2, result.stderr
    message = result.stderr.strip()
    assert needle in message and "\n" not in message and "Traceback" not in message


def test_an_upstream_that_is_not_a_url_is_refused() -> None:
    result = _run("--upstream", "127.0.0.1:8000", "--port", "0")
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr
