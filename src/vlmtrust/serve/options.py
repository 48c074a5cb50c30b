"""What the ``zoo serve`` command lets in, and where it may listen.

The server is a scanning aid: by default it listens on loopback only, so nothing but this machine
can reach the model. Listening anywhere else must be asked for (``--allow-remote``), and then an
API key is what keeps strangers out, so running without one is warned about loudly. Keys come from
the environment, never the command line, where ``ps`` would show them to every user.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS

#: The environment variable an API key is read from when ``--api-key-env`` is not given.
DEFAULT_KEY_ENV = "VLMTRUST_SERVE_API_KEY"
#: One megabyte, as ``--max-body-mb`` counts it.
MB = 1_000_000
#: Characters a key may hold: visible ASCII, so it survives an HTTP header unchanged.
_KEY_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))


@dataclass(frozen=True)
class ServeOptions:
    """Limits and access control of one served app; the defaults suit a loopback scan."""

    #: Largest request body accepted (bytes); over it is a 413 before the body is read whole.
    max_body_bytes: int = 20 * MB
    #: Largest image accepted (pixels, from its header, before it is decoded).
    max_image_pixels: int = DEFAULT_MAX_PIXELS
    #: Requests handled or queued at once; more are answered 429 at once.
    max_concurrency: int = 8
    #: Seconds a 429 tells the client to wait (its Retry-After header).
    retry_after_s: int = 1
    #: When set, every request must carry ``Authorization: Bearer <api_key>`` (else 401).
    api_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_image_pixels", "max_concurrency", "retry_after_s"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.api_key is not None and not self.api_key:
            raise ValueError("api_key must not be empty (None means no key)")


def read_api_key(env_name: str | None) -> str | None:
    """The key in ``env_name`` (``--api-key-env``), else in VLMTRUST_SERVE_API_KEY, else None.

    A named variable that is unset, or any empty or malformed key, is an error rather than "no
    key": a server the operator meant to protect must not start open. Messages never hold the key.
    """
    name = env_name or DEFAULT_KEY_ENV
    key = os.environ.get(name)
    if key is None:
        if env_name is None:
            return None
        raise ConfigError(
            f"--api-key-env {name}: the environment variable {name} is not set",
            f"export {name}=<key> before starting the server, or leave out --api-key-env",
        )
    if not key:
        raise ConfigError(
            f"the API key variable {name} is set but empty",
            f"put a key in {name}, or unset it to serve without a key",
        )
    if not set(key) <= _KEY_CHARS:
        raise ConfigError(
            f"the API key in {name} holds spaces or non-ASCII characters, which HTTP headers "
            "cannot carry unchanged",
            "use a key of visible ASCII characters (letters, digits, -._~+/=)",
        )
    return key


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only: 127.0.0.0/8, ::1 or localhost.

    Any other name counts as remote: it may resolve to a public address.
    """
    name = host.strip().removeprefix("[").removesuffix("]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_exposure(host: str, allow_remote: bool) -> None:
    """Refuse to listen beyond loopback unless ``--allow-remote`` was given."""
    if not allow_remote and not is_loopback(host):
        raise ConfigError(
            f"--host {host} would expose the model beyond this machine, to anyone who can "
            "reach the port (it is a scanning aid, not a hardened service)",
            "keep --host 127.0.0.1, or pass --allow-remote and set an API key in "
            f"{DEFAULT_KEY_ENV} (or --api-key-env NAME)",
        )


def exposure_warning(host: str, options: ServeOptions) -> str | None:
    """The warning line for a server others can reach without a key, else None."""
    if is_loopback(host) or options.api_key is not None:
        return None
    return (
        f"WARNING: serving on {host} with NO API KEY: anyone who can reach this port can use "
        f"the model; set {DEFAULT_KEY_ENV} (or --api-key-env NAME) to require a key"
    )
