"""overfit and dp_finetune on zoo:clip, scanned by privacy.membership on their member set: the
plain fine-tune leaks membership, DP-SGD at epsilon 8 does not (a reduced but real set-up: 64
members, the default epochs)."""

import pytest

from vlmtrust.core.config import RunConfig
from vlmtrust.core.errors import DataError
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.membership_finetune import MEMBER_SEED
from vlmtrust.runner import run

MEMBERS = 64


def test_overfit_leaks_membership_and_dp_finetune_closes_the_leak(tmp_path):
    summary = run(
        RunConfig(
            model="zoo:clip",
            tasks=(
                Spec(
                    name="privacy.membership",
                    params={"member_seed": MEMBER_SEED, "n": MEMBERS, "resamples": 300},
                ),
            ),
            mitigations=(f"overfit:members={MEMBERS}", f"dp_finetune:members={MEMBERS}"),
            out=tmp_path / "run",
            show_progress=False,
        )
    )
    rows = {(r.mitigation.split("(")[0], r.metric): r for r in summary.metrics}
    # the shipped organism never saw these scenes: no signal
    assert rows["none", "auc"].ci_low < 0.5 < rows["none", "auc"].ci_high
    # the plain fine-tune memorised them
    leak = rows["overfit", "auc"]
    assert leak.n == 2 * MEMBERS and leak.ci_low > 0.8
    assert leak.details["training"]["private"] is False
    # DP-SGD at epsilon <= 8: back to chance, with its budget and its accuracy cost reported
    private = rows["dp_finetune", "auc"]
    assert abs(private.value - 0.5) <= 0.05 and private.ci_low < 0.5 < private.ci_high
    training = private.details["training"]
    assert 0 < training["epsilon"] <= 8 and training["delta"] == 1e-5
    assert training["noise_multiplier"] > 0
    for variant in ("none", "overfit", "dp_finetune"):
        accuracy = rows[variant, "accuracy_nonmember"]
        assert accuracy.n == MEMBERS and 0 <= accuracy.value <= 1
    assert "held_out_accuracy_after" in training


def test_a_fine_tune_scanned_against_another_member_set_is_refused(tmp_path):
    with pytest.raises(DataError, match="member_seed=424242"):
        run(
            RunConfig(
                model="zoo:clip",
                tasks=(Spec(name="privacy.membership", params={"n": MEMBERS}),),
                mitigations=(f"overfit:members={MEMBERS},epochs=5",),
                out=tmp_path / "run",
                show_progress=False,
            )
        )
