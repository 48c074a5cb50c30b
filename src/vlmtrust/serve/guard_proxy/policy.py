"""The guard proxy's policy: one TOML file, validated whole before anything listens.

A typo in a security policy must stop the proxy, not be ignored: every table forbids unknown
keys, and the first bad key is reported on one line (``ConfigError``, exit 2) by its dotted path.
Secrets never live in the file: it names the environment variables that hold them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.images import DEFAULT_MAX_PIXELS
from vlmtrust.mitigations.wrappers.guard import GuardParams
from vlmtrust.mitigations.wrappers.output_guard import OutputGuardParams


class GuardPolicy(BaseModel):
    """What the proxy checks, logs and lets through; the defaults are the safe choice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: the input guard's parameters (``mitigations/wrappers/guard.py``), as in a scan
    input_guard: GuardParams = Field(default_factory=GuardParams)
    #: the output guard's parameters (``mitigations/wrappers/output_guard.py``)
    output_guard: OutputGuardParams = Field(default_factory=OutputGuardParams)
    #: SQLite decision log; None: ``guard_decisions.db`` in the working directory
    log: Path | None = None
    #: also log the text of each request (off: only hashes, verdicts and reasons)
    log_prompts: bool = False
    #: how a streamed answer is screened: buffered whole (safest), or released per sentence
    stream: Literal["buffer", "sentence"] = "buffer"
    #: environment variable holding the key sent upstream; None: forward the client's header
    upstream_key_env: str | None = None
    #: environment variable holding the token clients must send to the proxy itself
    proxy_key_env: str | None = None
    #: remote (http/https) image URLs: only "refuse" is implemented; the proxy fetches nothing
    remote_images: Literal["refuse"] = "refuse"
    max_body_mb: float = Field(default=20.0, gt=0)
    max_image_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1)
    max_concurrency: int = Field(default=8, ge=1)
    upstream_timeout_s: float = Field(default=120.0, gt=0)


def load_policy(path: Path | None) -> GuardPolicy:
    """The policy in ``path`` (TOML), or the defaults when None; any problem is a one-line
    ConfigError naming the file and the bad key."""
    if path is None:
        return GuardPolicy()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(
            f"cannot read the policy {path} ({err.strerror or err})", "give a TOML file"
        ) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"policy {path} is not valid TOML ({err})", "fix its syntax") from err
    try:
        return GuardPolicy.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(
            f"policy {path}: {key}: {message}",
            "see `vlmtrust guard serve` in docs/safety.md for the keys",
        ) from err
