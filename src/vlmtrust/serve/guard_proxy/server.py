"""Starting the guard proxy: policy, exposure check, socket, app, in that order, so a bad policy,
an exposed host without a token or a busy port fails in a second with a one-line error."""

from __future__ import annotations

import os
from pathlib import Path

from vlmtrust.core.errors import ConfigError
from vlmtrust.serve.guard_proxy.app import create_proxy_app
from vlmtrust.serve.guard_proxy.decision_log import DecisionLog
from vlmtrust.serve.guard_proxy.policy import GuardPolicy, load_policy
from vlmtrust.serve.guard_proxy.upstream import Upstream
from vlmtrust.serve.openai_server import ServedModel, listen
from vlmtrust.serve.options import is_loopback, read_api_key

DEFAULT_LOG = Path("guard_decisions.db")


def proxy_key(policy: GuardPolicy, host: str) -> str | None:
    """The token clients must send the proxy: required when it listens beyond loopback."""
    key = read_api_key(policy.proxy_key_env) if policy.proxy_key_env else None
    if key is None and not is_loopback(host):
        raise ConfigError(
            f"--host {host} would let anyone who reaches the port use the upstream through the "
            "proxy, and no proxy token is set",
            "set proxy_key_env in the policy to a variable holding a token, or keep --host "
            "127.0.0.1",
        )
    return key


def prepare_proxy(
    upstream_url: str,
    host: str,
    port: int,
    policy_path: Path | None = None,
    log_path: Path | None = None,
) -> ServedModel:
    """A proxy bound to ``host:port``, ready to run (``log_path`` beats the policy's ``log``)."""
    import uvicorn

    if not upstream_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"--upstream {upstream_url!r} is not an http(s) URL",
            "give the upstream's base URL, e.g. http://127.0.0.1:8000/v1",
        )
    policy = load_policy(policy_path)
    key = proxy_key(policy, host)
    upstream = Upstream(upstream_url, policy.upstream_timeout_s, policy.upstream_key_env)
    sock = listen(host, port)
    try:
        log = DecisionLog(log_path or policy.log or DEFAULT_LOG)
        app = create_proxy_app(upstream, policy, log, key)
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5)
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{sock.getsockname()[1]}/v1"
        return ServedModel("guard proxy", url, uvicorn.Server(config), sock)
    except BaseException:
        sock.close()
        raise


def serve_proxy(
    upstream_url: str,
    host: str,
    port: int,
    policy_path: Path | None = None,
    log_path: Path | None = None,
) -> None:
    """The body of ``vlmtrust guard serve``: serve until Ctrl-C."""
    import torch

    # the guards' small torch models (MiniLM, the toxicity head) on one thread: with two on a
    # busy 2-core machine the input guard took 0.4-1.7 s a request, with one 0.27-0.44 s
    torch.set_num_threads(1)
    served = prepare_proxy(upstream_url, host, port, policy_path, log_path)
    print(f"guarding {upstream_url} at {served.url} (pid {os.getpid()})", flush=True)
    served.run()
