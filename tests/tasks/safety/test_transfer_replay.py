"""Transfer replay, shared by both red-team searches: rows count replays and keep undecided
answers apart, and a bad transfer model is refused naming the task that asked for it."""

import pytest

from vlmtrust.core.errors import CapabilityError
from vlmtrust.core.spec import Spec
from vlmtrust.tasks.base import DataContext, build_task
from vlmtrust.tasks.safety.transfer_replay import transfer_rows


def test_transfer_rows_count_replays_and_keep_unscorable_apart():
    transfer = {
        "model": "zoo:assistant",
        "mitigation": "guard",
        "by_attack": {
            "figstep": {"successes": 0, "tries": 3, "unscorable": 1},
            "figstep_pro": {"successes": 2, "tries": 2, "unscorable": 0},
        },
    }
    rows = {metric: (est, details) for metric, est, details in transfer_rows(transfer)}
    total, details = rows["transfer_rate"]
    assert (total.value, total.n, details["n_unscorable"]) == (0.4, 5, 1)
    assert rows["transfer_rate.attack.figstep"][0].value == 0.0
    assert rows["transfer_rate.attack.figstep_pro"][0].ci_high == 1.0
    assert details["transfer_mitigation"] == "guard"


@pytest.mark.parametrize("task", ["safety.red_team", "safety.rl_red_team"])
def test_a_transfer_model_that_cannot_answer_is_refused_naming_the_task(task):
    built = build_task(Spec(name=task, params={"budget": 4, "transfer_model": "zoo:clip"}))
    samples = built.samples(DataContext(seed=0, limit=2))
    with pytest.raises(CapabilityError, match=f"{task}'s transfer_model="):
        built.resolve(samples)
