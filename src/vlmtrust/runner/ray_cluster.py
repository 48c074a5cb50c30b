"""Connecting to Ray: an existing cluster (``--address HOST:PORT``) or a local instance started
in this process, and shutting down only what this process started.

Ray is an optional extra, so it is imported here, lazily, with a one-line error when missing.
``ray.init`` must not take Ctrl-C away from the runner (``runner.interrupts`` leaves a handler
that someone else installed alone), so the SIGINT handler in place before it is put back after.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from vlmtrust.core.errors import ConfigError

TOKEN_VARIABLE = "RAY_AUTH_TOKEN"
INSTALL_FIX = "pip install 'vlmtrust[ray]' (or use --executor local)"


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as err:
        raise ConfigError(
            "--executor ray needs the ray package, which is not installed", INSTALL_FIX
        ) from err
    return ray


def parse_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` -> (host, port), as a one-line error when it is not one."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"--address {address!r} is not HOST:PORT",
            "give the Ray head's address, e.g. --address 127.0.0.1:6379",
        )
    return host.strip("[]"), int(port)


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, with one line, where ``ray.init`` would wait a minute for a head that
    is not there."""
    host, port = parse_address(address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as err:
        raise ConfigError(
            f"cannot reach a Ray cluster at {address} ({err.strerror or err})",
            "start one with `ray start --head` or check --address",
        ) from err


@dataclass
class RayConnection:
    """What this process holds of Ray: whether it called ``ray.init`` and so must shut it down."""

    ray: ModuleType
    owned: bool

    def shutdown(self) -> None:
        if self.owned and self.ray.is_initialized():
            self.ray.shutdown()
        self.owned = False


def _private_token() -> None:
    """Give private instances a token in the environment (their processes inherit it), so Ray
    does not write one to ~/.ray. One per process, kept: Ray caches the token it first read, so
    a second instance in the same process must get the same one. A token the user configured
    is left alone."""
    if not (os.environ.get(TOKEN_VARIABLE) or os.environ.get("RAY_AUTH_TOKEN_PATH")):
        os.environ[TOKEN_VARIABLE] = secrets.token_hex(32)


def connect(address: str | None, num_cpus: int) -> RayConnection:
    """Join the cluster at ``address``, else start a local instance with ``num_cpus`` CPUs;
    reuse a Ray this process already initialised (then leave it running)."""
    ray = import_ray()
    if ray.is_initialized():
        return RayConnection(ray, owned=False)
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.ERROR,
    }
    if address is None:
        # "local" always starts a new instance; without it Ray joins whatever cluster
        # `ray start` last recorded in its temp dir, even a dead one
        options.update(address="local", num_cpus=num_cpus)
        _private_token()
    else:
        check_reachable(address)
        options["address"] = address
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if on_main else None
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError) as err:
        _shutdown_quietly(ray)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise ConfigError(
            f"cannot connect to {where}: {first}",
            "check --address and, for a token-auth cluster, RAY_AUTH_MODE=token and RAY_AUTH_TOKEN",
        ) from err
    except BaseException:  # Ctrl-C while Ray starts: leave no half-started instance behind
        _shutdown_quietly(ray)
        raise
    finally:
        if on_main and signal.getsignal(signal.SIGINT) is not previous:
            signal.signal(signal.SIGINT, previous)
    return RayConnection(ray, owned=True)


def _shutdown_quietly(ray: ModuleType) -> None:
    with contextlib.suppress(Exception):
        if ray.is_initialized():
            ray.shutdown()


def check_resources(ray: ModuleType, cpus: float, gpus: int, workers: int) -> None:
    """A cluster too small for the actors would leave them pending forever: say so instead."""
    total = ray.cluster_resources()
    need = {"CPU": cpus * workers, "GPU": gpus * workers}
    for name, amount in need.items():
        if amount and float(total.get(name, 0)) < amount:
            raise ConfigError(
                f"the Ray cluster has {total.get(name, 0):g} {name}s, {workers} workers need "
                f"{amount:g}",
                "lower workers= or cpus= in --executor ray:..., or add nodes",
            )
