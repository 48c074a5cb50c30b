"""Addresses and reachability, checked before Ray is asked (it would wait a minute)."""

from __future__ import annotations

import socket

import pytest
from vlmtrust_testing import free_port

from vlmtrust.core.errors import ConfigError
from vlmtrust.runner.ray_cluster import check_reachable, parse_address


def test_parse_address_reads_host_and_port():
    assert parse_address("127.0.0.1:6379") == ("127.0.0.1", 6379)
    assert parse_address("[::1]:10001") == ("::1", 10001)


@pytest.mark.parametrize("text", ["127.0.0.1", ":6379", "host:port", "host:70000", "host:0"])
def test_a_bad_address_is_one_line_naming_it(text):
    with pytest.raises(ConfigError, match="is not HOST:PORT") as caught:
        parse_address(text)
    assert "--address 127.0.0.1:6379" in caught.value.fix


def test_reachable_only_where_something_listens():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_reachable(f"127.0.0.1:{server.getsockname()[1]}")
    with pytest.raises(ConfigError, match="cannot reach a Ray cluster"):
        check_reachable(f"127.0.0.1:{free_port()}", timeout=2)
