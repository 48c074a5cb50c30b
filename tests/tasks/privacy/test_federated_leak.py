"""What one federated client's shared update leaks: the projection's plain update gives the
image's pooled feature away exactly; the same update sent with client-level DP does not."""

import pytest

from vlmtrust.mitigations.trainers.federated import FederatedParams, federated_data
from vlmtrust.models.base import resolve_model
from vlmtrust.tasks.privacy.federated_leak import client_update_leak


@pytest.mark.slow
def test_dp_buries_the_feature_a_plain_update_gives_away():
    model = resolve_model("zoo:clip").load()
    params = FederatedParams(clients=2, rounds=2, samples=16, held_out=8, dp_epsilon=8.0)
    data = federated_data(model, params)
    plain = client_update_leak(model, params, data, images=2, steps=3)
    private = client_update_leak(model, params, data, images=2, steps=3, private=True)
    assert plain.psnr.n == private.psnr.n == 2 and not plain.private and private.private
    assert plain.feature_error.ci_high < 0.01
    assert private.feature_error.ci_low > 0.5
