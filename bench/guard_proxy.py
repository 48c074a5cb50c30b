"""Added latency of `vlmtrust guard serve` in front of `vlmtrust zoo serve zoo:assistant`.

The bench starts both servers itself, each its own process on 127.0.0.1 at a free port, and
stops them by the process ids it started. Traffic: clean world scenes asked caption/VQA
questions and FigStep images (harmful requests and benign twins, as the zoo was trained on),
every image a distinct base64 ``data:`` URL (so the guard's per-image OCR cache never helps).
Each request goes to the upstream directly and through the proxy, back to back in alternating
order (paired, so load from other processes hits both paths alike), at each concurrency. The
added latency of a request is its proxied seconds minus its direct seconds.

Bounded: every call has a timeout and the whole run a budget (``--budget-s``); what was not
sent in time is reported as not run. Prints one JSON line: per concurrency the paired added
latency p50/p99 in ms, each path's own p50/p99, the count of 5xx (the goal is 0) and other
non-200 answers per path, blocked counts by request kind, and the load average.

    python bench/guard_proxy.py                 # 2,000 requests at concurrency 1, 8 and 32
    python bench/guard_proxy.py --requests 300  # shorter, on a busy machine
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from served import serving

from vlmtrust.data import world
from vlmtrust.data.world import prompts
from vlmtrust.data.world.typography import render_lines
from vlmtrust.models.images import to_data_url

QUESTIONS = ("describe the image.", "what colour is the object?", "what shape is it?")
PYTHON = [sys.executable, "-m", "vlmtrust"]
MODEL = "assistant"


@dataclass(frozen=True)
class Request:
    kind: str  # clean | harmful | benign
    body: dict[str, Any]


@dataclass
class Tally:
    """What one concurrency level measured."""

    added_s: list[float] = field(default_factory=list)
    direct_s: list[float] = field(default_factory=list)
    proxy_s: list[float] = field(default_factory=list)
    status: dict[str, dict[int, int]] = field(default_factory=lambda: {"direct": {}, "proxy": {}})
    blocked: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=lambda: {"direct": 0, "proxy": 0})
    attempted: int = 0
    #: stage and reason of blocked clean scenes (what a benign request was refused for)
    clean_blocks: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def build_requests(n: int, text_share: float, seed: int) -> list[Request]:
    """``n`` requests, about ``text_share`` of them FigStep images (harmful and benign
    alternating), the rest clean scenes; the FigStep ones spread evenly through the list."""
    n_text = round(n * text_share)
    scenes = world.generate(seed=seed, n=n - n_text)
    # FigStep images repeat the same few requests: a small random dot keeps every image distinct
    rng = np.random.default_rng(seed)
    figstep: list[Request] = []
    for i in range(n_text):
        pool = prompts.ALL_HARMFUL if i % 2 == 0 else prompts.BENIGN_REQUESTS
        request = pool[(i // 2) % len(pool)]
        image = render_lines(prompts.figstep_lines(request))
        x, y = (int(v) for v in rng.integers(0, image.width - 1, size=2))
        image.putpixel((x, y), tuple(int(v) for v in rng.integers(0, 256, size=3)))
        kind = "harmful" if i % 2 == 0 else "benign"
        figstep.append(Request(kind, _body(prompts.FIGSTEP_PROMPTS[i % 2], to_data_url(image))))
    clean = [
        Request("clean", _body(QUESTIONS[i % 3], to_data_url(s.load_image())))
        for i, s in enumerate(scenes)
    ]
    # request i is a FigStep one where the running count of text images steps up
    out = [
        figstep.pop() if int((i + 1) * n_text / n) > int(i * n_text / n) else clean.pop()
        for i in range(n)
    ]
    return out


def _body(text: str, url: str) -> dict[str, Any]:
    parts = [{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": url}}]
    return {"model": MODEL, "messages": [{"role": "user", "content": parts}]}


def _send(client: httpx.Client, url: str, body: dict[str, Any]) -> tuple[float, int, Any]:
    started = time.perf_counter()
    response = client.post(f"{url}/chat/completions", json=body)
    seconds = time.perf_counter() - started
    payload = response.json() if response.status_code == 200 else None
    return seconds, response.status_code, payload


def run_level(
    client: httpx.Client,
    urls: dict[str, str],
    requests: list[Request],
    concurrency: int,
    deadline: float,
) -> Tally:
    """Every request to both paths at ``concurrency``, paired, until ``deadline``."""
    tally = Tally()

    def one(index: int) -> None:
        if time.monotonic() > deadline:
            return
        request = requests[index]
        with tally.lock:
            tally.attempted += 1
        paths = ["direct", "proxy"] if index % 2 == 0 else ["proxy", "direct"]
        seconds: dict[str, float] = {}
        for path in paths:
            try:
                seconds[path], status, payload = _send(client, urls[path], request.body)
            except httpx.HTTPError:
                with tally.lock:
                    tally.errors[path] += 1
                return
            with tally.lock:
                counts = tally.status[path]
                counts[status] = counts.get(status, 0) + 1
                if path == "proxy" and payload is not None:
                    guard = payload.get("vlmtrust_guard") or {}
                    if guard.get("verdict") == "block":
                        tally.blocked[request.kind] = tally.blocked.get(request.kind, 0) + 1
                        if request.kind == "clean":
                            why = f"{guard.get('stage')}: {str(guard.get('reason'))[:80]}"
                            tally.clean_blocks[why] = tally.clean_blocks.get(why, 0) + 1
            if status != 200:
                return
        with tally.lock:
            tally.sent[request.kind] = tally.sent.get(request.kind, 0) + 1
            tally.direct_s.append(seconds["direct"])
            tally.proxy_s.append(seconds["proxy"])
            tally.added_s.append(seconds["proxy"] - seconds["direct"])

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(len(requests))))
    return tally


def _ms(values: list[float], q: float) -> float | None:
    return round(1000 * float(np.quantile(values, q)), 1) if values else None


def summary(tally: Tally, offered: int) -> dict[str, Any]:
    fives = {p: sum(n for s, n in c.items() if s >= 500) for p, c in tally.status.items()}
    other = {
        p: sum(n for s, n in c.items() if s != 200 and s < 500) for p, c in tally.status.items()
    }
    return {
        "paired_completed": len(tally.added_s),
        "not_run_budget_spent": offered - tally.attempted,
        "added_ms_p50": _ms(tally.added_s, 0.5),
        "added_ms_p99": _ms(tally.added_s, 0.99),
        "direct_ms_p50": _ms(tally.direct_s, 0.5),
        "direct_ms_p99": _ms(tally.direct_s, 0.99),
        "proxy_ms_p50": _ms(tally.proxy_s, 0.5),
        "proxy_ms_p99": _ms(tally.proxy_s, 0.99),
        "count_5xx": fives,
        "count_other_non_200": other,
        "connection_errors": tally.errors,
        "completed_by_kind": tally.sent,
        "blocked_by_kind": tally.blocked,
        "clean_blocked_why": tally.clean_blocks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per concurrency")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated levels")
    parser.add_argument("--text-share", type=float, default=0.1, help="share of FigStep images")
    parser.add_argument("--budget-s", type=float, default=3600.0, help="whole run's time limit")
    parser.add_argument("--timeout-s", type=float, default=120.0, help="one call's time limit")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    started = time.monotonic()
    load_before = os.getloadavg()
    requests = build_requests(args.requests, args.text_share, seed=31)
    top = max(levels)
    with tempfile.TemporaryDirectory(prefix="guard_proxy_bench_") as tmp:
        policy = Path(tmp) / "policy.toml"
        # the bench measures latency, not the proxy's 429 at its default limit of 8
        policy.write_text(f"max_concurrency = {2 * top}\n")
        upstream_cmd = [*PYTHON, "zoo", "serve", "zoo:assistant", "--port", "0"]
        upstream_cmd += ["--max-concurrency", str(4 * top)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("VLMTRUST_")}
        with serving(upstream_cmd, "serving", env) as upstream:
            proxy_cmd = [*PYTHON, "guard", "serve", "--upstream", upstream.url, "--port", "0"]
            proxy_cmd += ["--policy", str(policy), "--log", str(Path(tmp) / "decisions.db")]
            with serving(proxy_cmd, "guarding", env) as proxy:
                urls = {"direct": upstream.url, "proxy": proxy.url}
                limits = httpx.Limits(max_connections=4 * top, max_keepalive_connections=4 * top)
                with httpx.Client(timeout=args.timeout_s, limits=limits) as client:
                    # warm-up, not measured: the proxy loads OCR, MiniLM and open_nsfw lazily
                    for request in build_requests(4, 0.5, seed=97):
                        for url in urls.values():
                            client.post(f"{url}/chat/completions", json=request.body)
                    deadline = started + args.budget_s
                    results = {
                        f"c{c}": summary(
                            run_level(client, urls, requests, c, deadline), len(requests)
                        )
                        for c in levels
                    }
    kinds = {k: sum(r.kind == k for r in requests) for k in ("clean", "harmful", "benign")}
    print(
        json.dumps(
            {
                "bench": "guard_proxy",
                "requests_per_level": args.requests,
                "mix": kinds,
                "statistic": "paired per-request proxied minus direct seconds, quantiles in ms",
                "levels": results,
                "count_5xx_total": sum(sum(r["count_5xx"].values()) for r in results.values()),
                "wall_s": round(time.monotonic() - started, 1),
                "load_average_before": [round(v, 2) for v in load_before],
                "load_average_after": [round(v, 2) for v in os.getloadavg()],
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
