"""Where the server may listen and where its API key comes from (serve/options.py)."""

from __future__ import annotations

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.serve.options import (
    DEFAULT_KEY_ENV,
    ServeOptions,
    check_exposure,
    exposure_warning,
    is_loopback,
    read_api_key,
)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LocalHost", "::ffff:127.0.0.1"],
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    check_exposure(host, allow_remote=False)
    assert exposure_warning(host, ServeOptions()) is None


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "", "192.168.1.20", "10.0.0.1", "fe80::1", "::ffff:8.8.8.8", "myhost"]
)
def test_other_hosts_need_allow_remote(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError) as err:
        check_exposure(host, allow_remote=False)
    message = str(err.value)
    assert "--allow-remote" in message and DEFAULT_KEY_ENV in message and "\n" not in message
    check_exposure(host, allow_remote=True)
    warning = exposure_warning(host, ServeOptions())
    assert warning is not None and "NO API KEY" in warning and "\n" not in warning
    assert exposure_warning(host, ServeOptions(api_key="k")) is None


def test_no_key_unless_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEFAULT_KEY_ENV, raising=False)
    assert read_api_key(None) is None
    monkeypatch.setenv(DEFAULT_KEY_ENV, "sk-default-1")
    assert read_api_key(None) == "sk-default-1"
    monkeypatch.setenv("MY_SERVE_KEY", "sk-named-2")
    assert read_api_key("MY_SERVE_KEY") == "sk-named-2"


@pytest.mark.parametrize(
    ("env", "value", "needle"),
    [
        ("MY_SERVE_KEY", None, "MY_SERVE_KEY is not set"),
        ("MY_SERVE_KEY", "", "set but empty"),
        (None, "", "set but empty"),
        ("MY_SERVE_KEY", "sk secret", "spaces or non-ASCII"),
        ("MY_SERVE_KEY", "sk-sécret", "spaces or non-ASCII"),
    ],
)
def test_a_key_that_cannot_protect_is_an_error(
    monkeypatch: pytest.MonkeyPatch, env: str | None, value: str | None, needle: str
) -> None:
    name = env or DEFAULT_KEY_ENV
    monkeypatch.delenv(name, raising=False)
    if value is not None:
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=needle) as err:
        read_api_key(env)
    if value:
        assert value not in str(err.value)
