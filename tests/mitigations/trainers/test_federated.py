"""The ``federated`` trainer on zoo:clip: its card (accuracy per round with intervals, bytes,
clients), the artifact cache, by-group dealing, one-line errors; and, slow, the acceptance run:
5 clients, Dirichlet 0.3, 10 rounds within 5 points of centralised fine-tuning on the same
scenes, and what client-level DP does to the leak of one client's update."""

import pytest

from vlmtrust.core.errors import ConfigError
from vlmtrust.core.spec import Spec
from vlmtrust.mitigations.base import build_mitigation
from vlmtrust.mitigations.trainers.federated import FederatedParams, federated_data, train_head
from vlmtrust.models.base import resolve_model

CHEAP = {"clients": 2, "rounds": 2, "samples": 32, "held_out": 16}


@pytest.fixture(scope="module")
def zoo_clip():
    return resolve_model("zoo:clip").load()


def test_federated_card_has_rounds_bytes_and_clients(zoo_clip, capsys):
    trainer = build_mitigation(Spec(name="federated", params={**CHEAP, "partition": "by-group"}))
    tuned = trainer.wrap(zoo_clip)
    card = tuned.card
    assert [r["round"] for r in card["rounds"]] == [0, 1, 2]
    for entry in card["rounds"]:
        low, high = entry["accuracy"]["ci"]
        assert entry["accuracy"]["n"] == 16 and low <= entry["accuracy"]["value"] <= high
    assert card["rounds"][1]["upload_bytes"] > 0 and card["rounds"][0]["upload_bytes"] == 0
    assert card["upload_bytes_total"] == sum(r["upload_bytes"] for r in card["rounds"])
    assert sum(c["rows"] for c in card["clients"]) == 32 and card["private"] is False
    assert "training federated" in capsys.readouterr().err
    trainer.wrap(zoo_clip)
    assert "training federated" not in capsys.readouterr().err  # the cached artifact


def test_federated_refuses_what_it_cannot_deal(zoo_clip):
    with pytest.raises(ConfigError, match="4 groups for 5 clients"):
        federated_data(zoo_clip, FederatedParams(**{**CHEAP, "clients": 5}, partition="by-group"))
    with pytest.raises(ConfigError, match="label=pose"):
        federated_data(zoo_clip, FederatedParams(**CHEAP, label="pose"))


@pytest.mark.slow
def test_federated_is_within_5_points_of_centralised_and_dp_hides_the_feature(zoo_clip):
    from vlmtrust.tasks.privacy.federated_leak import client_update_leak

    def final(result):
        return result.rounds[-1].correct / result.rounds[-1].n

    federated, _ = train_head(
        zoo_clip, FederatedParams(clients=5, rounds=10, partition="dirichlet:0.3")
    )
    centralised, _ = train_head(zoo_clip, FederatedParams(clients=1, rounds=10))
    assert centralised.rounds[-1].n == federated.rounds[-1].n == 256
    assert final(centralised) - final(federated) <= 0.05
    assert federated.rounds[1].upload_bytes > 0
    params = FederatedParams(clients=5, rounds=10, partition="dirichlet:0.3", dp_epsilon=8.0)
    data = federated_data(zoo_clip, params)
    plain = client_update_leak(zoo_clip, params, data, images=2, steps=50)
    private = client_update_leak(zoo_clip, params, data, images=2, steps=50, private=True)
    assert plain.feature_error.ci_high < 0.01  # the projection's update gives the feature away
    assert private.feature_error.ci_low > 0.5  # DP's noise buries it
