"""PAIR with a served attacker against a served target: two `vlmtrust zoo serve zoo:assistant`
processes on 127.0.0.1, reached through openai:, score exactly as the in-process models do (the
attacker's system prompt and the conversations survive the HTTP transport)."""

import sys
from collections.abc import Iterator

import pytest
from served import serving

from vlmtrust.core.config import RunConfig
from vlmtrust.core.spec import Spec
from vlmtrust.runner import run

SERVE = [sys.executable, "-m", "vlmtrust", "zoo", "serve", "zoo:assistant", "--port", "0"]


@pytest.fixture(scope="module")
def served_pair() -> Iterator[tuple[str, str]]:
    with serving(SERVE, "serving ") as target, serving(SERVE, "serving ") as attacker:
        yield target.url, attacker.url


def _scan(model: str, attacker: str, out):
    params = {"method": "pair", "attacker": attacker, "budget": 4, "streams": 2, "iterations": 2}
    task = Spec(name="safety.multi_turn", params=params)
    summary = run(RunConfig(model=model, tasks=(task,), out=out, limit=3, show_progress=False))
    return {r.metric: r for r in summary.metrics}


@pytest.mark.timeout(900)  # two servers and generation on 2 shared cores
@pytest.mark.slow
def test_pair_with_a_served_attacker_matches_the_local_models(served_pair, tmp_path):
    target_url, attacker_url = served_pair
    remote = _scan(
        f"openai:{target_url}#assistant", f"openai:{attacker_url}#assistant", tmp_path / "r"
    )
    local = _scan("zoo:assistant", "zoo:assistant", tmp_path / "l")
    success = remote["success_rate"]
    assert success.details["attacker"].startswith("openai:http://127.0.0.1")
    keep = ("trajectories", "attacker_failures", "broken", "n_unscorable")
    assert {k: success.details[k] for k in keep} == {
        k: local["success_rate"].details[k] for k in keep
    }
    assert (success.value, success.n) == (local["success_rate"].value, local["success_rate"].n)
    # every attacker call either wrote a request the target was asked, or was counted a failure
    asked = sum(len(t) // 2 for t in success.details["trajectories"].values())
    assert asked + success.details["attacker_failures"] > 0
    assert remote["queries_spent"].value == local["queries_spent"].value <= 4
