"""Model kinds: the training pool a model's kind can redraw, read without loading weights."""

import pytest

from vlmtrust.core.errors import DataError
from vlmtrust.models.base import training_pool
from vlmtrust.models.zoo import pool_recipe


def test_a_zoo_organisms_training_pool_is_the_recipe_its_card_records():
    assert training_pool("zoo:clip-fair") == pool_recipe("clip-fair")


@pytest.mark.parametrize("name", ["hf:tiny-clip", "openai:gpt-4o"])
def test_a_kind_that_records_no_pool_is_a_one_line_data_error(name):
    target = name.partition(":")[2]
    with pytest.raises(DataError, match=f"model '{target}' records no world training pool"):
        training_pool(name)
