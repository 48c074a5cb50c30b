"""The zoo organisms the fairness tests compare, loaded once per session."""

import pytest

from vlmtrust.models.base import resolve_model


@pytest.fixture(scope="session")
def zoo_clip():
    return resolve_model("zoo:clip").load()


@pytest.fixture(scope="session")
def zoo_clip_fair():
    return resolve_model("zoo:clip-fair").load()


@pytest.fixture(scope="session")
def default_twins():
    """The pool every scan without --data uses (seed 0, 1000 pairs)."""
    from vlmtrust.data.world.twins import twin_samples

    return twin_samples(0, 1000)
